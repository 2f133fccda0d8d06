// Budget periods end at a UTC midnight; jobs held for budget then may run, though no run ended and nothing
// was submitted to wake the dispatcher. Returns the stop function.
import { nextUtcMidnight } from "./budget-period";

export function wakeEachUtcDay(wake: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    // A second late, so the new period has surely begun on every clock reading that follows.
    timer = setTimeout(() => (wake(), arm()), nextUtcMidnight(Date.now()) - Date.now() + 1000);
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
