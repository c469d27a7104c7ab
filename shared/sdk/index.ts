/**
 * The client SDK's public entry, published as the package's `open-scanner/sdk` export (compiled to
 * dist/shared/sdk/index.js with its declarations). Only runtime code with no dependency is exported as values;
 * the protocol's shapes are exported as types, so that importing the SDK never loads zod.
 */
export {
  ListClient,
  type ConnectionStatus,
  type ListClientError,
  type ListClientEvents,
  type ListClientOptions,
  type ListSelection,
  type ServerErrorCode,
} from './list-client.js';
export type { Encoding, InflateRaw } from './frame-decoder.js';
export type { AlertFilter } from './alert-stream.js';
export type { AlertMessage } from '../protocol/alert-messages.js';
export { ListTracker, type ResyncReason, type TrackResult } from './list-tracker.js';
export type { SocketConstructor, SocketLike } from './socket.js';
export type { BackoffOptions } from '../backoff.js';
export { advanceSnapshot } from '../protocol/advance.js';
export type {
  AnyListName,
  ClientMessage,
  Delta,
  DeltaMessage,
  ListMessage,
  ScanRow,
  ServerMessage,
  SnapshotMessage,
} from '../protocol/messages.js';
export { LIST_NAMES, type ListName } from '../scan/lists.js';
export { SESSIONS, type Session } from '../scan/sessions.js';
