import { z } from 'zod';
import { TooManyAutoKillTasksError } from '../../../engine/auto-kill.js';
import { huaweiErrors } from '../errors.js';
import type { HuaweiOperation } from './operation.js';
import { instanceOf, objectBody, parseWith } from './validation.js';

/** The processlist commands the reference lists for `command`. */
const COMMANDS = ['Change user', 'Close stmt', 'Connect', 'Connect Out', 'Create DB', 'Daemon', 'Debug', 'Delayed insert', 'Drop DB', 'Error', 'Execute', 'Fetch', 'Field List', 'Init DB', 'Kill', 'Long Data', 'Ping', 'Prepare', 'Processlist', 'Query', 'Quit', 'Refresh', 'Reset stmt', 'Set option', 'Shutdown', 'Sleep', 'Statistics', 'Table Dump', 'Time'] as const;

const seconds = (name: string) => z.number({ error: `${name} is a whole number of seconds` }).int(`${name} is a whole number of seconds`).min(0, `${name} is at least 0`).max(2 ** 31 - 1);

const createBody = z.object({
  time: seconds('time'),
  // The console asks for "Task Duration (s)": a task that lasts no time would never kill.
  task_duration: seconds('task_duration').min(1, 'task_duration is at least 1 second'),
  task_type: z.literal('auto', { error: 'task_type is "auto"' }),
  user: z.string().min(1).optional(),
  host: z.string().min(1).optional(),
  db: z.string().min(1).optional(),
  // Matched in any letter case, as MySQL shows them in one.
  command: z
    .string()
    .transform((text, ctx) => COMMANDS.find((c) => c.toLowerCase() === text.toLowerCase()) ?? (ctx.addIssue({ code: 'custom', message: `command is one of ${COMMANDS.join(', ')}` }), z.NEVER))
    .optional(),
  info: z.string().min(1).optional(),
});

/** Adds a conditional kill task; its sessions die while the instance's switch is on, for task_duration seconds. */
export const createKillTask: HuaweiOperation = {
  name: 'CreateKillTask',
  realServer: 'kills sessions',
  method: 'PUT',
  path: '/v3/{project_id}/instances/{instance_id}/auto-flow/add-kill-process-task',
  iamAction: 'das:clouddba:createKillTask',
  contract: { body: createBody },
  async handle(context) {
    const instance = instanceOf(context);
    const body = parseWith(createBody, objectBody(context));
    try {
      context.autoKill.add({ provider: 'huawei', owner: context.projectId, instanceId: instance.id, criteria: { user: body.user, host: body.host, db: body.db, command: body.command, info: body.info, minSeconds: body.time } }, body.task_duration);
    } catch (error) {
      if (error instanceof TooManyAutoKillTasksError) throw huaweiErrors.invalidParameter(error.message);
      throw error;
    }
    return { body: { success: true } };
  },
};

const switchBody = z.object({ status: z.string({ error: 'status is required' }).regex(/^(on|off)$/i, 'status is "on" or "off"') });

/** Turns automatic killing on or off for the instance (off by default). */
export const changeKillTaskSwitch: HuaweiOperation = {
  name: 'ChangeKillTaskSwitch',
  realServer: 'kills sessions',
  method: 'POST',
  path: '/v3/{project_id}/instances/{instance_id}/auto-flow/set-kill-process-task-switch',
  // Not in our sources: named after its Get twin's das:clouddba:showKillTaskSwitch.
  iamAction: 'das:clouddba:changeKillTaskSwitch',
  contract: { body: switchBody },
  async handle(context) {
    const instance = instanceOf(context);
    const { status } = parseWith(switchBody, objectBody(context));
    context.autoKill.setSwitch(instance.id, status.toLowerCase() === 'on');
    return { body: { success: true } };
  },
};

/** The switch as the console shows it: `{"status": "ON"}` or `"OFF"`. */
export const showKillProcessTaskSwitch: HuaweiOperation = {
  name: 'ShowKillProcessTaskSwitch',
  realServer: 'none',
  method: 'GET',
  path: '/v3/{project_id}/instances/{instance_id}/auto-flow/get-kill-process-task-switch',
  iamAction: 'das:clouddba:showKillTaskSwitch',
  contract: {},
  async handle(context) {
    const instance = instanceOf(context);
    return { body: { status: context.autoKill.isOn(instance.id) ? 'ON' : 'OFF' } };
  },
};
