package upstream

import "testing"

// TestMediaImageChoice: of several media:content images the isDefault
// one, else the widest; a video's poster frame when there is no image.
func TestMediaImageChoice(t *testing.T) {
	f, err := mustParse(t, "media-thumbnail.xml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	tests := []struct{ link, want string }{
		{"https://m.example/1", "https://m.example/t1.jpg"},
		{"https://m.example/2", "https://m.example/t2.jpg"},
		{"https://m.example/3", "https://m.example/e3.jpg"},
		{"https://m.example/v", "https://m.example/v.jpg"},
		{"https://m.example/s", "https://m.example/large.jpg"},
		{"https://m.example/d", "https://m.example/d-medium.jpg"},
	}
	for _, tt := range tests {
		t.Run(tt.link, func(t *testing.T) {
			a := byURL(f, tt.link)
			if a == nil {
				t.Fatalf("no article for %s", tt.link)
			}
			if a.Image == nil || a.Image.URL != tt.want {
				t.Errorf("image = %+v, want %s", a.Image, tt.want)
			}
		})
	}
}
