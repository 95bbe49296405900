package feed

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// PingError reports a WebSub publish ping the hub did not accept.
type PingError struct {
	Hub, Topic string
	Status     int   // HTTP status, 0 when there was no response
	Err        error // transport error, nil when there was a response
}

// Error says which ping failed and how.
func (e *PingError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("feed: websub ping of %s for %s: %v", e.Hub, e.Topic, e.Err)
	}
	return fmt.Sprintf("feed: websub ping of %s for %s: hub answered %d", e.Hub, e.Topic, e.Status)
}

// Unwrap returns the transport error, if any.
func (e *PingError) Unwrap() error { return e.Err }

// pingRetries is how many times a failed ping is tried again, after
// pingBackoff, then twice that, and so on.
const pingRetries = 3

var pingBackoff = time.Second

// pinger sends hub.mode=publish pings from one goroutine, coalescing URLs
// queued while it is busy.
type pinger struct {
	hub     string
	client  *http.Client
	logf    func(error)
	backoff time.Duration // pingBackoff when the pinger was made

	mu      sync.Mutex
	pending []string
	queued  map[string]bool
	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{}
	closing bool
}

func newPinger(hub string, client *http.Client, logf func(error)) *pinger {
	ctx, cancel := context.WithCancel(context.Background())
	p := &pinger{hub: hub, client: client, logf: logf, backoff: pingBackoff, queued: make(map[string]bool),
		wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go p.run()
	return p
}

func (p *pinger) queue(urls []string) {
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		return
	}
	for _, u := range urls {
		if !p.queued[u] {
			p.queued[u] = true
			p.pending = append(p.pending, u)
		}
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// close stops the pinger: a ping in flight is cancelled and queued ones
// are dropped.
func (p *pinger) close() {
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
	p.cancel()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	<-p.done
}

func (p *pinger) run() {
	defer close(p.done)
	defer p.cancel()
	for {
		<-p.wake
		for {
			p.mu.Lock()
			batch := p.pending
			p.pending = nil
			for _, u := range batch {
				delete(p.queued, u)
			}
			closing := p.closing
			p.mu.Unlock()
			if len(batch) == 0 {
				if closing {
					return
				}
				break
			}
			for _, u := range batch {
				if p.ctx.Err() == nil {
					p.send(u)
				}
			}
		}
	}
}

func (p *pinger) isClosing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closing
}

func (p *pinger) send(topic string) {
	var err error
	for try := 0; ; try++ {
		if err = p.post(topic); err == nil {
			return
		}
		if try == pingRetries || p.isClosing() {
			break
		}
		select {
		case <-time.After(p.backoff << try):
		case <-p.ctx.Done():
		}
	}
	if p.logf != nil && p.ctx.Err() == nil {
		p.logf(err)
	}
}

func (p *pinger) post(topic string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}
	req, err := http.NewRequestWithContext(p.ctx, http.MethodPost, p.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return &PingError{Hub: p.hub, Topic: topic, Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
	if err != nil {
		return &PingError{Hub: p.hub, Topic: topic, Err: err}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return &PingError{Hub: p.hub, Topic: topic, Status: resp.StatusCode}
	}
	return nil
}
