package upstream

import (
	"net/url"
	"strconv"
	"sync"

	"github.com/khabar/khabar"
	"github.com/khabar/khabar/internal/htmlsafe"
)

// DefaultIFrameHosts are the hosts whose players survive sanitizing when
// Parser.IFrameHosts is nil: video and social embeds news sites use.
var DefaultIFrameHosts = []string{
	"www.youtube.com",
	"www.youtube-nocookie.com",
	"youtube.com",
	"player.vimeo.com",
	"www.dailymotion.com",
	"geo.dailymotion.com",
	"www.facebook.com",
	"platform.twitter.com",
	"www.instagram.com",
	"open.spotify.com",
	"w.soundcloud.com",
}

// sanitizer turns untrusted HTML into safe HTML with htmlsafe's Incoming
// policy: URLs absolute, links with rel="noopener noreferrer", iframes
// only from the allowed hosts, open elements closed, first image noted.
type sanitizer struct {
	policy *htmlsafe.Policy
}

var (
	defaultSanitizerOnce sync.Once
	defaultSanitizer     *sanitizer
)

func newSanitizer(hosts []string) *sanitizer {
	if hosts == nil {
		defaultSanitizerOnce.Do(func() { defaultSanitizer = &sanitizer{htmlsafe.NewIncoming(DefaultIFrameHosts)} })
		return defaultSanitizer
	}
	return &sanitizer{htmlsafe.NewIncoming(hosts)}
}

// clean returns fragment sanitized, with every URL absolute against base,
// and the first image.
func (s *sanitizer) clean(fragment string, base *url.URL) (string, *khabar.Image) {
	out, im := s.policy.SanitizeFragment(fragment, base)
	if im.Src == "" {
		return out, nil
	}
	img := &khabar.Image{URL: im.Src, Alt: oneLine(khabar.CleanText(im.Alt))}
	img.Width, _ = strconv.Atoi(im.Width)
	img.Height, _ = strconv.Atoi(im.Height)
	img.Width, img.Height = max(img.Width, 0), max(img.Height, 0)
	return out, img
}
