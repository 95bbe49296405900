package upstream

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestFreshnessLessCurrentAge: RFC 9111 section 4.2: a response stays
// fresh while its freshness lifetime exceeds its current age, and the Age
// header (section 5.1) gives the age a cache (a CDN in front of the feed)
// has already spent, the Date header the age the origin's clock shows
// (section 4.2.3). A response with max-age=1800 and Age: 1700 stays fresh
// 100 s, not 30 min; one that came stale says nothing about the next poll.
func TestFreshnessLessCurrentAge(t *testing.T) {
	now := time.Date(2024, 6, 10, 4, 11, 1, 0, time.UTC)
	httpDate := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    time.Duration
	}{
		{"max-age, Age", map[string]string{"Cache-Control": "public, max-age=1800", "Age": "1700"}, 100 * time.Second},
		{"max-age, no Age", map[string]string{"Cache-Control": "max-age=1800"}, 30 * time.Minute},
		{"Age past max-age", map[string]string{"Cache-Control": "max-age=1800", "Age": "4000"}, 0},
		{"Age equal to max-age", map[string]string{"Cache-Control": "max-age=1800", "Age": "1800"}, 0},
		{"bad Age ignored", map[string]string{"Cache-Control": "max-age=1800", "Age": "-5"}, 30 * time.Minute},
		{"huge Age", map[string]string{"Cache-Control": "max-age=1800", "Age": "99999999999999999999999"}, 0},
		{"Date older than Age says", map[string]string{"Cache-Control": "max-age=1800", "Age": "60", "Date": httpDate(-10 * time.Minute)}, 20 * time.Minute},
		{"Date ahead of the clock", map[string]string{"Cache-Control": "max-age=1800", "Date": httpDate(time.Hour)}, 30 * time.Minute},
		{"Expires, Age", map[string]string{"Date": httpDate(0), "Expires": httpDate(time.Hour), "Age": "600"}, 50 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Date", now.Format(http.TimeFormat))
				for k, v := range tc.headers {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Type", "application/rss+xml")
				w.Write([]byte(`<rss version="2.0"><channel><title>t</title></channel></rss>`))
			}))
			defer srv.Close()
			f := &Fetcher{AllowPrivate: true, Now: func() time.Time { return now }}
			res, err := f.Fetch(context.Background(), srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Fresh != tc.want {
				t.Errorf("Fresh = %v with %v, want %v (RFC 9111 section 4.2: freshness lifetime minus current age)", res.Fresh, tc.headers, tc.want)
			}
		})
	}
}
