// Custom search attributes (registered by scripts/services.sh; see README) so operators find
// runs in the Temporal Web UI, e.g. `SubjectId = "697062" AND AnalysisTag = "V1"`.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  SubjectId: defineSearchAttributeKey('SubjectId', SearchAttributeType.KEYWORD),
  AnalysisName: defineSearchAttributeKey('AnalysisName', SearchAttributeType.KEYWORD),
  AnalysisTag: defineSearchAttributeKey('AnalysisTag', SearchAttributeType.KEYWORD),
  DedupKey: defineSearchAttributeKey('DedupKey', SearchAttributeType.KEYWORD),
  CodeVersion: defineSearchAttributeKey('CodeVersion', SearchAttributeType.KEYWORD),
  SessionCount: defineSearchAttributeKey('SessionCount', SearchAttributeType.INT),
  BatchTag: defineSearchAttributeKey('BatchTag', SearchAttributeType.KEYWORD),
};
