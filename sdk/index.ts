/**
 * glm-sdk: the library API (`import { … } from 'glm-sdk'`; docs/api.md). Load a model, open a
 * session on a backend, fill blanks or stream tokens, evaluate tasks, run the conformance suite.
 * Backend authors import `glm-sdk/plugin` instead.
 */
export { loadModel, type LoadModelOptions, type Model } from './load-model.js';
export { openSession, Session, type OpenSessionOptions, type ResultSource } from './session.js';
export { fillBlanks, RELEASE_SAMPLING, type FillBlanksOptions, type FillResult } from './fill-blanks.js';
export { generate, type GenerateOptions, type GeneratedToken } from './generate.js';
export { chat, chatTemplateOf, ChatHistory, type ChatOptions, type ChatToken, type ChatReply, type ChatTurn, type ChatTemplateName } from './chat.js';
export { evaluate, loadTasks, shippedTasksFolder, type EvaluateOptions, type EvaluationReport } from './evaluate.js';
export { listConformanceCases, runConformance, type ConformanceOptions } from './conformance.js';
export { listBackends, probeBackend } from './backends.js';

export type { BackendStatus } from '../backends/registry.js';
export type { StrategyOptions, FilledBeam } from '../core/generate/fill-blanks.js';
export type { SamplerContext, TokenSampler } from '../core/generate/custom-sampler.js';
export type { TaskData, TaskProgress, TaskResult, FileResult, GroupResult } from '../core/evaluate/run-task.js';
export type { ConformanceReport } from '../conformance/reports/report.js';
export type { CaseResult, CaseStatus } from '../conformance/runner.js';
export type { Tokenizer, SpecialTokens } from '../core/io/tokenizer.js';
export type { GlmConfig } from '../core/models/glm/config.js';
export type { DType } from '../core/tensor/dtype.js';
export type { ExecutionKind } from '../core/backend-api/plugin-contract.js';
export { GlmError, isGlmError, exitCodeOf, type ErrorKind, type GlmErrorLike } from '../core/errors.js';
