import { Component } from 'react';
import type { ErrorInfo, ReactNode } from 'react';

interface State {
  error: Error | null;
}

/** A rendering error shows its message instead of leaving a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('GFR Studio crashed while rendering:', error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (error === null) return this.props.children;
    return (
      <main className="page">
        <h1>GFR Studio</h1>
        <p className="status status-error" role="alert">
          Something went wrong on this page: {error.message}
        </p>
        <p>Reload the page to start again.</p>
      </main>
    );
  }
}
