// A small loopback HTTP receiver for tests: records every request and answers as scripted.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  receivedAtMs: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server: Server | undefined;
  port = 0;

  /** `answer` decides the response to the n-th request (0-based). */
  constructor(private readonly answer: (request: ReceivedRequest, index: number) => Answer = () => ({ status: 204 })) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/api/v1/write`;
  }

  /** Listens on `port` (e.g. one a queue already targets), or on a free one. */
  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: ReceivedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
          receivedAtMs: Date.now(),
        };
        const index = this.requests.length;
        this.requests.push(request);
        const answer = this.answer(request, index);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
