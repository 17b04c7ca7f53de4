/**
 * `glm chat`: an interactive conversation with a GLM-family model, streamed as it is generated, in the
 * family's chat format (docs/chat.md). Ctrl-C while a reply is generated stops it (the part shown is
 * kept in the history); Ctrl-C or Ctrl-D at the prompt ends the chat.
 */
import { createInterface, type Interface } from 'node:readline';
import { parseArgs } from 'node:util';
import { GlmError } from '../core/errors.js';
import { chatPrompt, CHAT_TEMPLATES, type ChatTemplateName, type ChatTokenizer } from '../core/generate/chat-template.js';
import { chat, chatTemplateOf, ChatHistory } from '../sdk/chat.js';
import { openModelSession } from './open-session.js';
import { loadModel, MODEL_LOAD_HELP, MODEL_LOAD_OPTIONS, quantizationBitWidth } from './load-model-option.js';
import { choiceOption, dtypeOption, intOption } from './options.js';
import { HELP_OPTION, normalizeArgs, withUsageErrors } from './parse.js';
import { SAMPLING_OPTIONS, samplingFrom } from './run-command.js';

export const CHAT_HELP = `Usage: glm chat [options]

Talks with a GLM-family model: each reply streams as it is generated, earlier turns are kept.
Ctrl-C during a reply stops it (the part shown stays in the history); Ctrl-C or Ctrl-D at
the prompt ends the chat. Without a terminal, one message per input line.

  --model default|FOLDER     FOLDER holds config.json + model.safetensors + its tokenizer
  --backend NAME|PATH        cpu-ref (default), cuda, rocm-dcu, ascend, sunway, a plugin
  --dtype f32|f16|bf16       storage dtype (default f32)
  --allow-cpu-fallback       run nodes the backend cannot run on cpu-ref (printed)
  --template NAME            ${CHAT_TEMPLATES.join(' | ')} (default: the model's family)
  --system TEXT              system prompt (chatglm3, glm-4)
  --max-new-tokens N         longest reply in tokens (256)
  --show-prompt              print each turn's whole prompt on stderr (JSON string), to check
                             the template and history
  --context-length N         tokens the conversation may hold, prompt + reply (default: the
                             model's maximum sequence length)
${MODEL_LOAD_HELP}
Sampling (the release's flags and defaults):
  --top-k N                  0 = off (0; 1 = greedy)
  --top-p X                  nucleus sampling, 0 = off (0.7)
  --temperature X            (1.0)
  --seed N                   (1234)
  -h, --help                 this text`;

const OPTIONS = {
  backend: { type: 'string' },
  model: { type: 'string' },
  dtype: { type: 'string' },
  'allow-cpu-fallback': { type: 'boolean' },
  template: { type: 'string' },
  system: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  'context-length': { type: 'string' },
  'show-prompt': { type: 'boolean' },
  ...SAMPLING_OPTIONS,
  ...MODEL_LOAD_OPTIONS,
} as const;

/** Lines from the terminal (or a pipe); null at Ctrl-D/EOF. Ctrl-C calls `onInterrupt`. */
function lineReader(onInterrupt: () => void): { rl: Interface; next(prompt: string): Promise<string | null>; close(): void } {
  const terminal = process.stdin.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal });
  const lines: string[] = [];
  let waiting: ((line: string | null) => void) | undefined;
  let closed = false;
  rl.on('line', (line) => (waiting ? (waiting(line), (waiting = undefined)) : lines.push(line)));
  rl.on('close', () => ((closed = true), waiting?.(null), (waiting = undefined)));
  rl.on('SIGINT', onInterrupt); // a terminal's Ctrl-C reaches readline, not the process
  process.on('SIGINT', onInterrupt); // piped input: the signal itself
  return {
    rl,
    close() {
      process.off('SIGINT', onInterrupt);
      rl.close();
    },
    next(prompt) {
      if (terminal) rl.setPrompt(prompt), rl.prompt();
      if (lines.length > 0) return Promise.resolve(lines.shift()!);
      if (closed) return Promise.resolve(null);
      return new Promise((resolve) => (waiting = resolve));
    },
  };
}

export async function chatCommand(args: string[]): Promise<number> {
  const { values: v } = withUsageErrors('chat', () => parseArgs({ args: normalizeArgs(args, OPTIONS), options: { ...OPTIONS, ...HELP_OPTION }, strict: true }));
  if (v.help) return console.log(CHAT_HELP), 0;
  const dtype = dtypeOption(v.dtype, 'f32');
  quantizationBitWidth(v['quantization-bit-width']);
  const requested = v.template === undefined ? undefined : choiceOption<ChatTemplateName>('template', v.template, CHAT_TEMPLATES, 'glm-4');
  const sampling = samplingFrom(v);
  const maxNewTokens = intOption('max-new-tokens', v['max-new-tokens'], 256, 1);
  const contextLength = v['context-length'] === undefined ? undefined : intOption('context-length', v['context-length'], 0, 2);
  // Cheap before loading: a named format without a system role cannot take --system.
  if (v.system !== undefined && (requested === 'chatglm-6b' || requested === 'chatglm2')) throw new GlmError('usage', `the ${requested} chat format has no system role (--system needs chatglm3 or glm-4)`);

  const model = await loadModel(v.model, dtype, v);
  if (contextLength !== undefined && contextLength > model.config.maxSequenceLength) throw new GlmError('usage', `--context-length ${contextLength} exceeds the model's maximum sequence length ${model.config.maxSequenceLength}`);
  // Says where results come from, what runs as a decomposition and any CPU-fallback split, as glm run does.
  const opened = await openModelSession(model, v.backend ?? 'cpu-ref', dtype, v['allow-cpu-fallback'] === true, contextLength || undefined);
  const session = opened.library;
  let generating: AbortController | undefined;
  const reader = lineReader(() => (generating ? generating.abort(new GlmError('usage', 'reply stopped (Ctrl-C)')) : reader.rl.close()));
  try {
    const template = chatTemplateOf(session, requested);
    console.error(`glm: chat format ${template}`);
    console.error('glm: Ctrl-C stops a reply; Ctrl-C or Ctrl-D at the prompt ends the chat');
    const history = new ChatHistory(v.system);
    for (let message = await reader.next('用户> '); message !== null; message = await reader.next('用户> ')) {
      if (message.trim() === '') continue;
      if (v['show-prompt']) {
        const ids = chatPrompt(template, model.tokenizer as ChatTokenizer, history, message);
        console.error(`glm: prompt (${ids.length} tokens): ${JSON.stringify(model.tokenizer.decode(ids))}`);
      }
      generating = new AbortController();
      process.stdout.write('GLM> ');
      try {
        const replies = chat(session, history, message, { template, maxNewTokens, sampling, signal: generating.signal });
        let started = false;
        for await (const token of replies) {
          // The role-token formats begin a reply with "\n", which the prompt line already shows.
          const text: string = started ? token.text : token.text.replace(/^\n/, '');
          started ||= text !== '';
          process.stdout.write(text);
        }
        process.stdout.write('\n');
      } catch (e) {
        if (!generating.signal.aborted) throw e;
        process.stdout.write('\n');
        console.error(`glm: reply stopped (Ctrl-C); kept in the history (${history.turns.length} turn(s))`);
      } finally {
        generating = undefined;
      }
    }
    if (process.stdin.isTTY) process.stdout.write('\n');
  } finally {
    reader.close();
    await opened.close();
  }
  return 0;
}
