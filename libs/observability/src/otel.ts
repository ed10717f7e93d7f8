import { context, propagation, trace } from '@opentelemetry/api';

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` of the exported spans. */
  readonly service: string;
  /**
   * OTLP/HTTP base endpoint (the value of `OTEL_EXPORTER_OTLP_ENDPOINT`, read by the service's config schema).
   * Spans go to `<endpoint>/v1/traces`. When undefined tracing stays off and nothing is loaded.
   */
  readonly endpoint: string | undefined;
  /** The traces URL itself (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), used as is; wins over `endpoint`. */
  readonly tracesEndpoint?: string | undefined;
  /** Export each span as it ends instead of in batches (tests, short-lived tools). Default false. */
  readonly exportImmediately?: boolean;
}

/** A running tracing SDK. */
export interface TracingHandle {
  /** Flushes pending spans and unregisters the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Registers an OpenTelemetry tracing SDK that exports over OTLP/HTTP, when an endpoint is configured. The SDK is
 * imported lazily so services without an endpoint never load it; call this before the bus starts consuming so
 * consumer spans record from the first message.
 */
export async function startTracing(options: TracingOptions): Promise<TracingHandle | undefined> {
  const url = options.tracesEndpoint || (options.endpoint ? `${options.endpoint.replace(/\/+$/, '')}/v1/traces` : '');
  if (url === '') return undefined;
  const [
    { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor },
    { OTLPTraceExporter },
    resources,
    hooks,
    core,
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
  ]);
  const exporter = new OTLPTraceExporter({ url });
  const processor = options.exportImmediately ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': options.service }),
    spanProcessors: [processor],
  });
  const contextManager = new hooks.AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
