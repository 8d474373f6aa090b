export { appendEvents } from './append-events';
export { createLoop, listenWhileRunning, type Loop, type Round } from './background-loop';
export { createEvents } from './create-events';
export { eventType, EVENTS_PACKAGE } from './event-type';
export { EVENT_FEED_CALLERS, MESH_SERVICES, MAX_WAIT_MS, maxWaitMs } from './feed-service';
export { createPublishedSignal, type PublishedSignal } from './published-signal';
export { DEFAULT_EXCHANGE } from './options';
export { ATTEMPTS_HEADER, ERROR_HEADER, queueNames, type QueueNames } from './amqp-consumer';
export { ENVELOPE_CONTENT_TYPE } from './amqp-relay';
export type {
  BackgroundWork,
  ConsumeOptions,
  EventHandler,
  EventHandlers,
  EventPayload,
  Events,
  EventsOptions,
  MeshClients,
  NewEvent,
  Transport,
} from './types';
