import type { SubscriptionSpec } from '@soc/contracts';
import type { RetryPolicy } from '../port.ts';
import { lockDurationIso, SUBSCRIPTION_RULE_NAME, subscriptionFilterSql } from './service-bus-mapping.ts';

/** The one namespace name the Service Bus emulator accepts. */
export const EMULATOR_NAMESPACE = 'sbemulatorns';

/**
 * The emulator's `Config.json` for a topic and its subscriptions, with the same rules and limits
 * `ServiceBusBus.ensureTopology` provisions on Azure. The emulator has no admin API, so its entities must be
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
              Subscriptions: subscriptions.map((spec) => ({
                Name: spec.name,
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
                    Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: subscriptionFilterSql(spec) } },
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
