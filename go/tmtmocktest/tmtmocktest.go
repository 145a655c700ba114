// Package tmtmocktest starts a tmtmock (a mock of the Tencent Cloud Machine Translation
// API) for a Go test and stops it with t.Cleanup: its endpoint and credentials, fault
// rules, journal queries, the mock clock and reset (tmtmock's docs/helpers.md, Go).
//
//	func TestTranslate(t *testing.T) {
//		mock := tmtmocktest.Start(t)
//		mock.AddFault(map[string]any{"error": "RequestLimitExceeded", "times": 2})
//		// ... your client against mock.Endpoint with mock.SecretID, mock.SecretKey
//		if n := mock.Count(tmtmocktest.Filter{Code: "RequestLimitExceeded"}); n != 2 {
//			t.Fatalf("throttled %d times", n)
//		}
//	}
//
// The binary is WithBinary's, else $TMTMOCK_BIN, else tmtmock on PATH. Standard
// library only.
package tmtmocktest

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The documentation's example keys; the mock is started with them (or yours) as
// TENCENTCLOUD_SECRET_ID/_KEY, so the account survives every reset.
const (
	ExampleSecretID  = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
	ExampleSecretKey = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
	tmtVersion       = "2018-03-21"
)

var ready = regexp.MustCompile(`^listening on http://(\S+):(\d+)$`)

// Mock is a running tmtmock.
type Mock struct {
	Endpoint  string // "127.0.0.1:PORT": the SDKs' HttpProfile.Endpoint (scheme http)
	URL       string // "http://127.0.0.1:PORT"
	Host      string
	Port      int
	SecretID  string
	SecretKey string
	Region    string

	t      testing.TB
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{}
	once   sync.Once
	code   int
}

type options struct {
	binary    string
	args      []string
	secretID  string
	secretKey string
	region    string
}

// Option changes how Start runs the mock.
type Option func(*options)

// WithBinary names the tmtmock binary.
func WithBinary(path string) Option { return func(o *options) { o.binary = path } }

// WithArgs adds options to the mock's command line ("--seed", "1", "--no-rate-limit").
func WithArgs(args ...string) Option { return func(o *options) { o.args = append(o.args, args...) } }

// WithCredentials signs as this account instead of the documentation's example keys.
func WithCredentials(secretID, secretKey string) Option {
	return func(o *options) { o.secretID, o.secretKey = secretID, secretKey }
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Start runs tmtmock on a free loopback port and registers its stop with t.Cleanup; a
// mock that does not start fails the test. A failed test gets the mock's stderr logged.
func Start(t testing.TB, opts ...Option) *Mock {
	t.Helper()
	o := options{secretID: ExampleSecretID, secretKey: ExampleSecretKey, region: "ap-guangzhou"}
	for _, opt := range opts {
		opt(&o)
	}
	if o.binary == "" {
		o.binary = os.Getenv("TMTMOCK_BIN")
	}
	if o.binary == "" {
		p, err := exec.LookPath("tmtmock")
		if err != nil {
			t.Fatalf("tmtmocktest: no tmtmock binary: use WithBinary, set TMTMOCK_BIN, or put tmtmock on PATH")
		}
		o.binary = p
	}
	m := &Mock{SecretID: o.secretID, SecretKey: o.secretKey, Region: o.region, t: t,
		stderr: &lockedBuffer{}, done: make(chan struct{})}
	m.cmd = exec.Command(o.binary, append([]string{"--listen", "127.0.0.1:0"}, o.args...)...)
	m.cmd.Env = append(os.Environ(), "TENCENTCLOUD_SECRET_ID="+o.secretID, "TENCENTCLOUD_SECRET_KEY="+o.secretKey)
	m.cmd.Stderr = m.stderr
	stdout, err := m.cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("tmtmocktest: %v", err)
	}
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("tmtmocktest: cannot run %s: %v", o.binary, err)
	}
	go func() {
		err := m.cmd.Wait()
		m.code = m.cmd.ProcessState.ExitCode()
		if err != nil && m.code == -1 {
			m.code = 128 + int(m.cmd.ProcessState.Sys().(syscall.WaitStatus).Signal())
		}
		close(m.done)
	}()
	line := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		s, _ := r.ReadString('\n')
		line <- strings.TrimRight(s, "\n")
		_, _ = io.Copy(io.Discard, r)
	}()
	var first string
	select {
	case first = <-line:
	case <-time.After(10 * time.Second):
	}
	match := ready.FindStringSubmatch(first)
	if match == nil {
		m.Stop()
		t.Fatalf("tmtmocktest: %s did not start: %q; stderr: %s", o.binary, first, m.stderr.String())
	}
	m.Host = match[1]
	m.Port, _ = strconv.Atoi(match[2])
	m.Endpoint = fmt.Sprintf("%s:%d", m.Host, m.Port)
	m.URL = "http://" + m.Endpoint
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("tmtmock stderr:\n%s", m.stderr.String())
		}
		m.Stop()
	})
	return m
}

// Stop sends SIGTERM and waits; it answers the exit status (0 after a clean stop). Later
// calls answer the same.
func (m *Mock) Stop() int {
	m.once.Do(func() {
		_ = m.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-m.done:
		case <-time.After(10 * time.Second):
			_ = m.cmd.Process.Kill()
			<-m.done
		}
	})
	return m.code
}

// Stderr is what the mock wrote on stderr so far (-v: an access line per request).
func (m *Mock) Stderr() string { return m.stderr.String() }

// Admin sends method to /_mock/<path> with body as JSON (nil: none) and decodes the
// answer into out (nil: discarded); a non-2xx answer is an error.
func (m *Mock) Admin(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, m.URL+"/_mock/"+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s /_mock/%s: %d %s", method, path, resp.StatusCode, text)
	}
	if out == nil || len(text) == 0 {
		return nil
	}
	return json.Unmarshal(text, out)
}

func (m *Mock) must(err error) {
	if err != nil {
		m.t.Helper()
		m.t.Fatalf("tmtmocktest: %v", err)
	}
}

// Reset puts rules, journal, accounts, clock and rate windows back to start-up.
func (m *Mock) Reset() {
	m.t.Helper()
	m.must(m.Admin("POST", "reset", nil, nil))
}

// AddFault adds a fault rule (docs/admin-api.md, Fault rules) and answers it as stored.
func (m *Mock) AddFault(rule map[string]any) map[string]any {
	m.t.Helper()
	var stored map[string]any
	m.must(m.Admin("POST", "faults", rule, &stored))
	return stored
}

// Faults lists the rules, with their matched and fired counters.
func (m *Mock) Faults() []map[string]any {
	m.t.Helper()
	var doc struct {
		Faults []map[string]any `json:"faults"`
	}
	m.must(m.Admin("GET", "faults", nil, &doc))
	return doc.Faults
}

// ClearFaults deletes every rule.
func (m *Mock) ClearFaults() {
	m.t.Helper()
	m.must(m.Admin("DELETE", "faults", nil, nil))
}

// Filter selects journal entries (docs/admin-api.md, Querying the journal); zero fields
// select everything.
type Filter struct {
	Action      string
	Code        string // OK, an error code, or a transport fault's name
	SecretID    string
	SignatureOK *bool
	Since       int64   // entries after this seq
	From, Until float64 // mock-clock Unix seconds: From inclusive, Until exclusive
}

// Query is the filter as GET /_mock/journal's query string.
func (f Filter) Query() string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("action", f.Action)
	set("code", f.Code)
	set("secret_id", f.SecretID)
	if f.SignatureOK != nil {
		q.Set("signature_ok", strconv.FormatBool(*f.SignatureOK))
	}
	if f.Since > 0 {
		q.Set("since", strconv.FormatInt(f.Since, 10))
	}
	if f.From > 0 {
		q.Set("from", strconv.FormatFloat(f.From, 'f', -1, 64))
	}
	if f.Until > 0 {
		q.Set("until", strconv.FormatFloat(f.Until, 'f', -1, 64))
	}
	return q.Encode()
}

// Entry is one journal entry; Raw holds every field.
type Entry struct {
	Seq         int64          `json:"seq"`
	Time        float64        `json:"time"`
	Action      *string        `json:"action"`
	SecretID    *string        `json:"secret_id"`
	Signature   *string        `json:"signature"`
	SignatureOK *bool          `json:"signature_ok"`
	ErrorCode   *string        `json:"error_code"`
	Fault       *string        `json:"fault"`
	Params      map[string]any `json:"params"`
	Raw         map[string]any `json:"-"`
}

// Journal answers the entries the filter selects, oldest first.
func (m *Mock) Journal(f Filter) []Entry {
	m.t.Helper()
	var doc struct {
		Entries []json.RawMessage `json:"entries"`
	}
	m.must(m.Admin("GET", "journal?"+f.Query(), nil, &doc))
	out := make([]Entry, len(doc.Entries))
	for i, raw := range doc.Entries {
		m.must(json.Unmarshal(raw, &out[i]))
		m.must(json.Unmarshal(raw, &out[i].Raw))
	}
	return out
}

// Count answers how many entries the filter selects.
func (m *Mock) Count(f Filter) int {
	m.t.Helper()
	q := f.Query()
	if q != "" {
		q += "&"
	}
	var doc struct {
		Count int `json:"count"`
	}
	m.must(m.Admin("GET", "journal?"+q+"count=1", nil, &doc))
	return doc.Count
}

// Clock is the mock clock's reading.
type Clock struct {
	Now     float64 `json:"now"`
	OffsetS int64   `json:"offset_s"`
	Frozen  bool    `json:"frozen"`
}

// SetClock sends one change to the mock clock: {"offset_s": 600}, {"advance_s": 60},
// {"freeze_at": T} or {"reset": true}; it answers the clock after it.
func (m *Mock) SetClock(change map[string]any) Clock {
	m.t.Helper()
	var c Clock
	m.must(m.Admin("POST", "clock", change, &c))
	return c
}

// Now is the mock clock's time.
func (m *Mock) Now() int64 {
	m.t.Helper()
	var c Clock
	m.must(m.Admin("GET", "clock", nil, &c))
	return int64(c.Now)
}

// Call sends one TC3-signed POST of action, for a test without an SDK, and answers the
// envelope's Response (an API error is in it, not returned as err).
func (m *Mock) Call(action string, params any) (map[string]any, error) {
	return m.CallAs(m.SecretID, m.SecretKey, time.Now().Unix(), action, params)
}

// CallAs is Call with other credentials and timestamp.
func (m *Mock) CallAs(secretID, secretKey string, timestamp int64, action string, params any) (map[string]any, error) {
	body, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	day := time.Unix(timestamp, 0).UTC().Format("2006-01-02")
	sum := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }
	mac := func(key []byte, s string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	creq := strings.Join([]string{"POST", "/", "", "content-type:application/json", "host:" + m.Endpoint, "",
		"content-type;host", sum(body)}, "\n")
	sts := strings.Join([]string{"TC3-HMAC-SHA256", strconv.FormatInt(timestamp, 10), day + "/tmt/tc3_request",
		sum([]byte(creq))}, "\n")
	key := mac(mac(mac([]byte("TC3"+secretKey), day), "tmt"), "tc3_request")
	sig := hex.EncodeToString(mac(key, sts))
	req, err := http.NewRequest("POST", m.URL+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", tmtVersion)
	req.Header.Set("X-TC-Region", m.Region)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(timestamp, 10))
	req.Header.Set("Authorization", fmt.Sprintf("TC3-HMAC-SHA256 Credential=%s/%s/tmt/tc3_request, "+
		"SignedHeaders=content-type;host, Signature=%s", secretID, day, sig))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var env struct {
		Response map[string]any `json:"Response"`
	}
	if err := json.Unmarshal(text, &env); err != nil || env.Response == nil {
		return nil, fmt.Errorf("%s: HTTP %d, not an API answer: %.200s", action, resp.StatusCode, text)
	}
	return env.Response, nil
}
