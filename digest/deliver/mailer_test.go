package deliver

import (
	"context"
	"net"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/internal/smtpsink"
	gomail "github.com/wneessen/go-mail"
)

func testNotice() *digest.Notice {
	return &digest.Notice{
		From: mail.Address{Name: "ख़बर", Address: "digest@khabar.example"}, To: mail.Address{Name: "आशा", Address: "asha@example.com"},
		Subject: "पुष्टि करें", Text: []byte("लिंक\n"), HTML: []byte("<p>लिंक</p>"),
		MessageID: "abc.confirm@khabar.example", Date: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), Language: "hi",
	}
}

func TestFileMailer(t *testing.T) {
	var paths []string
	m := &FileMailer{Dir: t.TempDir() + "/out", Written: func(p string) { paths = append(paths, p) }}
	if err := m.Send(context.Background(), testNotice()); err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 || !strings.HasSuffix(paths[0], "asha@example.com-abc.confirm.eml") {
		t.Fatalf("paths %v", paths)
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(b)))
	if err != nil || msg.Header.Get("Message-Id") != "<abc.confirm@khabar.example>" || msg.Header.Get("List-Unsubscribe") != "" {
		t.Errorf("header %v, %v", msg.Header, err)
	}
}

func TestSMTPMailer(t *testing.T) {
	sink, err := smtpsink.Start(0)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	host, port, _ := net.SplitHostPort(sink.Addr())
	p, _ := strconv.Atoi(port)
	c, err := gomail.NewClient(host, gomail.WithPort(p), gomail.WithTLSPolicy(gomail.NoTLS))
	if err != nil {
		t.Fatal(err)
	}
	m := &SMTPMailer{Client: c}
	if err := m.Send(context.Background(), testNotice()); err != nil {
		t.Fatal(err)
	}
	if n := sink.Count("asha@example.com"); n != 1 {
		t.Errorf("sink got %d messages for asha, want 1", n)
	}
}
