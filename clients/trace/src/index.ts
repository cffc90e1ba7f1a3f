export {
  TraceSinkClient,
  type EntryFilter,
  type EntryFollow,
  type FollowEntriesOptions,
  type ListEntriesOptions,
} from './trace-sink-client.js';
export {
  TraceSinkExporter,
  TraceSinkSpanProcessor,
  toTraceSpan,
  traceSinkSpanProcessors,
  type ExporterStats,
} from './exporter.js';
