export {
  TraceSinkClient,
  type EntryFilter,
  type EntryFollow,
  type FollowEntriesOptions,
  type ListEntriesOptions,
} from './trace-sink-client.js';
export {
  TraceSinkExporter,
  toTraceSpan,
  traceSinkSpanProcessors,
  type ExporterStats,
} from './exporter.js';
