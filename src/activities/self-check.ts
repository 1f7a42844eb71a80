import { activityInfo } from '@temporalio/activity';

export function createSelfCheckActivities() {
  return {
    async echo(message: string): Promise<string> {
      return `${message} (activity attempt ${activityInfo().attempt})`;
    },
  };
}
export type SelfCheckActivities = ReturnType<typeof createSelfCheckActivities>;
