/**
 * Graceful shutdown on SIGINT and SIGTERM, the same for every long-running process: the first
 * signal runs `stop` under a deadline, after which the process exits with 1 whatever `stop` is
 * still waiting for (what is stored stays, as after a kill); a second signal exits at once.
 * `stop` resolving exits with 0.
 */
export function shutdownOnSignals(opts: {
  deadlineMs: number;
  /** Printed when the first signal arrives, after "SIGTERM: shutting down within N ms: ". */
  plan: string;
  /** Printed when the deadline passes, after "shutdown took over N ms: exiting now; ". */
  overdue: string;
  stop: () => Promise<void>;
}) {
  let stopping = false;
  const onSignal = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: shutting down within ${opts.deadlineMs} ms: ${opts.plan}`);
    const deadline = setTimeout(() => {
      console.error(`shutdown took over ${opts.deadlineMs} ms: exiting now; ${opts.overdue}`);
      process.exit(1);
    }, opts.deadlineMs);
    await opts.stop();
    clearTimeout(deadline);
    process.exit(0);
  };
  process.on('SIGINT', () => void onSignal('SIGINT'));
  process.on('SIGTERM', () => void onSignal('SIGTERM'));
}
