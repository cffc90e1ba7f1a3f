export {
  errorLength,
  quote,
  quotedLength,
  readYaml,
  show,
  SourceError,
  YamlSource,
  type Path,
  type ReadOptions,
  type ReadResult,
  type Wording,
} from './source.js';
export {
  checkSize,
  checkTextSize,
  limitInWords,
  listedErrors,
  sizeInWords,
  sourceErrorsError,
  type SizeLimit,
} from './limits.js';
