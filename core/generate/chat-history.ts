/** A conversation: an optional system prompt and the finished turns, oldest first. */
export interface ChatTurn {
  readonly user: string;
  readonly assistant: string;
  /** The reply was cut short (Ctrl-C, an aborted signal, the token limit): kept as far as it got. */
  readonly stopped?: 'aborted' | 'length';
}

export class ChatHistory {
  readonly turns: ChatTurn[] = [];
  constructor(readonly system?: string) {}

  add(turn: ChatTurn): void {
    this.turns.push(turn);
  }
}
