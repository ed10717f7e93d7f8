import type { SubscriptionSpec } from '@soc/contracts';
import type { RetryPolicy } from '../port.ts';
import { laneSubscriptions, lockDurationIso, SUBSCRIPTION_RULE_NAME } from './service-bus-mapping.ts';

/** The one namespace name the Service Bus emulator accepts. */
export const EMULATOR_NAMESPACE = 'sbemulatorns';

/**
 * The emulator's `Config.json` for a topic and its subscriptions — one per lane of each, as for
 * `ServiceBusBus.ensureTopology` — with the same rules and limits it provisions on Azure. The emulator has no admin API, so its entities must be
 * declared up front; generating the file from the topology keeps the two from drifting.
 */
export function serviceBusEmulatorConfig(
  topic: string,
  subscriptions: readonly SubscriptionSpec[],
  policy: RetryPolicy,
): object {
  return {
    UserConfig: {
      Namespaces: [
        {
          Name: EMULATOR_NAMESPACE,
          Queues: [],
          Topics: [
            {
              Name: topic,
              Properties: {
                DefaultMessageTimeToLive: 'PT1H',
                DuplicateDetectionHistoryTimeWindow: 'PT5M',
                RequiresDuplicateDetection: true,
              },
              Subscriptions: subscriptions.flatMap(laneSubscriptions).map((lane) => ({
                Name: lane.name,
                Properties: {
                  DeadLetteringOnMessageExpiration: false,
                  DefaultMessageTimeToLive: 'PT1H',
                  LockDuration: lockDurationIso(policy.lockDurationMs),
                  MaxDeliveryCount: policy.maxDeliveryCount,
                  ForwardDeadLetteredMessagesTo: '',
                  ForwardTo: '',
                  RequiresSession: false,
                },
                Rules: [
                  {
                    Name: SUBSCRIPTION_RULE_NAME,
                    Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: lane.filter } },
                  },
                ],
              })),
            },
          ],
        },
      ],
      Logging: { Type: 'File' },
    },
  };
}
