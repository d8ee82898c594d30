// Progress is reported as events; rendering (bar, lines, nothing) is the CLI's business.

export interface ProgressEvent {
  /** What is being done: reading layers (pass 1), writing content (pass 2), downloading. */
  readonly phase: 'scan' | 'write' | 'download'
  /** 1-based layer number and the layer count, when the work is per layer. */
  readonly layer?: number
  readonly layers?: number
  /** Bytes processed so far in this unit of work, and its total when known. */
  readonly bytes: number
  readonly total?: number
  /** Set on the last event of a unit of work (one layer, one download). */
  readonly done?: boolean
}

export type ProgressListener = (event: ProgressEvent) => void
