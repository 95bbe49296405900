package upstream

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/khabar/khabar"
	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
)

// The images stage picks an article's featured image from the places
// feeds put one.

// itemImage picks the featured image: media:content, media:thumbnail
// (also inside media:group), an image enclosure, itunes:image, the feed
// format's own image field (JSON Feed), else firstImg, the first img of
// the content. Relative URLs resolve against base.
func itemImage(it *gofeed.Item, base *url.URL, firstImg *khabar.Image) *khabar.Image {
	if im := mediaImage(it.Extensions["media"], base); im != nil {
		return im
	}
	for _, e := range it.Enclosures {
		if e != nil && strings.HasPrefix(e.Type, "image/") {
			if im := imageAt(e.URL, map[string]string{"type": e.Type, "fileSize": e.Length}, base); im != nil {
				return im
			}
		}
	}
	if it.ITunesExt != nil && it.ITunesExt.Image != "" {
		if im := imageAt(it.ITunesExt.Image, nil, base); im != nil {
			return im
		}
	}
	if it.Image != nil {
		if im := imageAt(it.Image.URL, nil, base); im != nil {
			return im
		}
	}
	return firstImg
}

// imageAt returns the image at raw, resolved against base, with the size,
// type and length attrs give (media RSS attribute names); nil when raw is
// not an http(s) URL.
func imageAt(raw string, attrs map[string]string, base *url.URL) *khabar.Image {
	if len(raw) > MaxURLBytes {
		return nil
	}
	u := absHTTP(resolve(raw, base))
	if u == nil {
		return nil
	}
	im := &khabar.Image{URL: u.String()}
	if attrs != nil {
		im.Width, _ = strconv.Atoi(attrs["width"])
		im.Height, _ = strconv.Atoi(attrs["height"])
		im.Width, im.Height = max(im.Width, 0), max(im.Height, 0)
		if t := attrs["type"]; strings.HasPrefix(t, "image/") {
			im.Type = t
		}
		if n, err := strconv.ParseInt(attrs["fileSize"], 10, 64); err == nil && n > 0 {
			im.Length = n
		}
	}
	return im
}

// mediaImage picks the image of an item's media RSS elements: of several
// media:content images (sizes of one picture, usually) the one marked
// isDefault, else the widest, else the first; then thumbnails of the item
// or a media:group, then those inside a media:content (a video's poster
// frame), in document order.
func mediaImage(media map[string][]ext.Extension, base *url.URL) *khabar.Image {
	if media == nil {
		return nil
	}
	groups := []map[string][]ext.Extension{media}
	for _, g := range media["group"] {
		groups = append(groups, g.Children)
	}
	var best *khabar.Image
	bestDefault := false
	for _, g := range groups {
		for _, c := range g["content"] {
			t, medium := c.Attrs["type"], c.Attrs["medium"]
			if !strings.HasPrefix(t, "image/") && medium != "image" && (t != "" || medium != "" || !looksLikeImage(c.Attrs["url"])) {
				continue
			}
			if im := imageAt(c.Attrs["url"], c.Attrs, base); im != nil {
				// media:title and media:description, on the content or
				// on its group, describe the image.
				im.Alt = plainLine(firstNonEmpty(extValue(c.Children["title"]), extValue(g["title"])))
				im.Caption = plainLine(firstNonEmpty(extValue(c.Children["description"]), extValue(g["description"])))
				isDefault := strings.EqualFold(strings.TrimSpace(c.Attrs["isDefault"]), "true")
				if best == nil || (isDefault && !bestDefault) || (isDefault == bestDefault && im.Width > best.Width) {
					best, bestDefault = im, isDefault
				}
			}
		}
	}
	if best != nil {
		return best
	}
	for _, g := range groups {
		for _, c := range g["thumbnail"] {
			if im := imageAt(c.Attrs["url"], c.Attrs, base); im != nil {
				return im
			}
		}
	}
	for _, g := range groups {
		for _, c := range g["content"] {
			for _, th := range c.Children["thumbnail"] {
				if im := imageAt(th.Attrs["url"], th.Attrs, base); im != nil {
					im.Alt = plainLine(firstNonEmpty(extValue(c.Children["title"]), extValue(g["title"])))
					return im
				}
			}
		}
	}
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func looksLikeImage(u string) bool {
	u = strings.ToLower(u)
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	for _, s := range []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"} {
		if strings.HasSuffix(u, s) {
			return true
		}
	}
	return false
}
