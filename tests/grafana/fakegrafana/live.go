package fakegrafana

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Grafana Live multiplexes every channel of a page over ONE Centrifuge WebSocket. A page that
// opened one Server-Sent Events connection per channel would hit the browser's limit of six
// HTTP/1.1 connections per host: the seventh stream and every later request (queries,
// resources) would wait forever. So the fake multiplexes too: the page opens one session
//
//	GET  /api/live/harness                                  event `session` (its id), then
//	                                                        events `packet` {"sub","frame"} and
//	                                                        `stream-error` {"sub","message"}
//	POST /api/live/harness/subscribe?session=&sub=&uid=&path=   SubscribeStream, then RunStream into the session
//	POST /api/live/harness/unsubscribe?session=&sub=             stops that RunStream
//
// and the session's streams stop when the page closes the connection.

type liveSession struct {
	ctx  context.Context
	mu   sync.Mutex // guards w and subs
	w    io.Writer
	f    http.Flusher
	subs map[string]context.CancelFunc
	wg   sync.WaitGroup
}

type liveSessions struct {
	next atomic.Int64
	mu   sync.Mutex
	m    map[string]*liveSession
}

func (ls *liveSessions) get(id string) *liveSession {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.m[id]
}

// event writes one SSE event; false once the session is closed.
func (s *liveSession) event(name string, data any) bool {
	b, _ := json.Marshal(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		return false
	}
	if _, err := fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", name, b); err != nil {
		return false
	}
	if s.f != nil {
		s.f.Flush()
	}
	return true
}

// handleLiveSession serves GET /api/live/harness without uid: one multiplexed session.
func (s *Server) handleLiveSession(w http.ResponseWriter, r *http.Request) {
	id := strconv.FormatInt(s.live.next.Add(1), 10)
	flusher, _ := w.(http.Flusher)
	sess := &liveSession{ctx: r.Context(), w: w, f: flusher, subs: map[string]context.CancelFunc{}}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(200)
	s.live.mu.Lock()
	if s.live.m == nil {
		s.live.m = map[string]*liveSession{}
	}
	s.live.m[id] = sess
	s.live.mu.Unlock()
	sess.event("session", id)
	<-r.Context().Done()
	s.live.mu.Lock()
	delete(s.live.m, id)
	s.live.mu.Unlock()
	sess.mu.Lock()
	for _, cancel := range sess.subs {
		cancel()
	}
	sess.w = nil // the handler returns: nothing may write to w any more
	sess.mu.Unlock()
	sess.wg.Wait()
}

// handleLiveSubscribe serves POST /api/live/harness/subscribe: the plugin's SubscribeStream, then
// its RunStream forwarding each packet into the session.
func (s *Server) handleLiveSubscribe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sess := s.live.get(q.Get("session"))
	if sess == nil {
		grafanaError(w, 404, "live session not found: "+q.Get("session"))
		return
	}
	sub, uid, path := q.Get("sub"), q.Get("uid"), q.Get("path")
	if sub == "" {
		grafanaError(w, 400, "sub is required")
		return
	}
	pctx, ok := s.subscribe(w, r, uid, path)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(sess.ctx)
	sess.mu.Lock()
	if sess.w == nil {
		sess.mu.Unlock()
		cancel()
		grafanaError(w, 404, "live session closed")
		return
	}
	if old := sess.subs[sub]; old != nil {
		old()
	}
	sess.subs[sub] = cancel
	sess.wg.Add(1)
	sess.mu.Unlock()
	go func() {
		defer sess.wg.Done()
		defer cancel()
		streamErr := func(err error) { sess.event("stream-error", map[string]string{"sub": sub, "message": err.Error()}) }
		stream, err := s.backend.Stream.RunStream(ctx, runStreamRequest(pctx, path))
		if err != nil {
			streamErr(err)
			return
		}
		for {
			packet, err := stream.Recv()
			if err != nil {
				if ctx.Err() == nil && !errors.Is(err, io.EOF) {
					streamErr(err)
				}
				return
			}
			if !sess.event("packet", map[string]any{"sub": sub, "frame": json.RawMessage(packet.Data)}) {
				return
			}
		}
	}()
	writeJSON(w, 200, map[string]any{"sub": sub})
}

// handleLiveUnsubscribe serves POST /api/live/harness/unsubscribe: stops one stream of a session.
func (s *Server) handleLiveUnsubscribe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if sess := s.live.get(q.Get("session")); sess != nil {
		sess.mu.Lock()
		if cancel := sess.subs[q.Get("sub")]; cancel != nil {
			cancel()
			delete(sess.subs, q.Get("sub"))
		}
		sess.mu.Unlock()
	}
	writeJSON(w, 200, map[string]any{})
}

// subscribe asks the plugin whether path may be streamed, as Grafana Live does before RunStream,
// and answers the client with Grafana's error when it may not.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, uid, path string) (backend.PluginContext, bool) {
	_, pctx, ok := s.lookup(uid)
	if !ok {
		grafanaError(w, 404, "Data source not found")
		return pctx, false
	}
	st, err := s.backend.SubscribeStream(r.Context(), pctx, path)
	if err != nil {
		grafanaError(w, 500, "subscribe stream: "+err.Error())
		return pctx, false
	}
	switch st {
	case backend.SubscribeStreamStatusOK:
		return pctx, true
	case backend.SubscribeStreamStatusNotFound:
		grafanaError(w, 404, "stream not found: "+path)
	default:
		grafanaError(w, 403, "stream permission denied: "+path)
	}
	return pctx, false
}
