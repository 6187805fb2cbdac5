/** Progress, errors and empty states, the same in every stage. */
import type { ReactNode } from 'react';

import type { ProgressState } from '../store/common';
import { duration } from '../lib/format';

interface ProgressBarProps {
  progress: ProgressState;
  label: string;
  paused?: boolean;
  /** Time left when the caller knows better than done/total (ms). */
  remainingMs?: number;
  testId?: string;
}

/**
 * What the bar says of the time left. Once every step is done the call still works (BN statistics measured again,
 * the model read back), so it says so instead of "about 0 ms left" for the tens of seconds that takes.
 */
export function timeLeftText(share: number, leftMs: number | undefined, paused = false): string {
  if (paused) return 'paused';
  if (share >= 1) return 'finishing…';
  return leftMs !== undefined ? `about ${duration(Math.max(0, leftMs))} left` : 'estimating time…';
}

export function ProgressBar({ progress, label, paused, remainingMs, testId }: ProgressBarProps) {
  const share = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  const elapsed = performance.now() - progress.startedAt;
  const left = remainingMs ?? (share > 0.01 ? (elapsed * (1 - share)) / share : undefined);
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress-head">
        <span>{progress.label || label}</span>
        <span className="progress-left" aria-live="off">
          {timeLeftText(share, left, paused)}
        </span>
      </div>
      <progress
        max={progress.total || 1}
        value={progress.done}
        aria-label={label}
        aria-valuetext={`${Math.round(share * 100)}%${paused ? ', paused' : ''}`}
      />
    </div>
  );
}

export function StageError({ message, testId }: { message: string | null; testId?: string }) {
  if (!message) return null;
  return (
    <p className="stage-error" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Busy({ children }: { children: ReactNode }) {
  return (
    <p className="busy" role="status">
      <span className="spinner" aria-hidden="true" /> {children}
    </p>
  );
}
