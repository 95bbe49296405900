package upstream

import (
	"testing"
)

func TestStripTracking(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://a.example/x?utm_source=rss&utm_medium=feed", "https://a.example/x"},
		{"https://a.example/x?id=3&utm_source=rss&b=%20", "https://a.example/x?id=3&b=%20"},
		{"https://a.example/x?fbclid=1&gclid=2#frag", "https://a.example/x#frag"},
		{"https://a.example/x?UTM_Campaign=1&p=2", "https://a.example/x?p=2"},
		{"https://a.example/x?p=1", "https://a.example/x?p=1"},
		{"https://a.example/x", "https://a.example/x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := StripTracking(tt.in); got != tt.want {
				t.Errorf("StripTracking(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
