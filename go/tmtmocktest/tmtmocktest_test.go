package tmtmocktest

import (
	"strings"
	"testing"
	"time"
)

// These run against $TMTMOCK_BIN (conformance/tests/test_helper_go.py sets it in make test).

var text = map[string]any{"SourceText": "hello", "Source": "en", "Target": "zh", "ProjectId": 0}

func TestStartCallStop(t *testing.T) {
	m := Start(t, WithArgs("--seed", "1"))
	if !strings.HasPrefix(m.Endpoint, "127.0.0.1:") || m.URL != "http://"+m.Endpoint {
		t.Fatalf("endpoint %q url %q", m.Endpoint, m.URL)
	}
	r, err := m.Call("TextTranslate", text)
	if err != nil || r["TargetText"] != "[zh] HELLO" {
		t.Fatalf("%v %v", r, err)
	}
	if code := m.Stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := m.Call("TextTranslate", text); err == nil {
		t.Fatal("the mock still answers after Stop")
	}
	if m.Stop() != 0 {
		t.Fatal("a second Stop changed the status")
	}
}

func TestFaultsAndJournal(t *testing.T) {
	m := Start(t)
	rule := m.AddFault(map[string]any{"error": "RequestLimitExceeded", "times": 2})
	if rule["id"] == nil || len(m.Faults()) != 1 {
		t.Fatalf("rule %v faults %v", rule, m.Faults())
	}
	now := time.Now().Unix()
	for i := int64(0); i < 3; i++ {
		if _, err := m.CallAs(m.SecretID, m.SecretKey, now-i, "TextTranslate", text); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.Count(Filter{Code: "RequestLimitExceeded"}); n != 2 {
		t.Fatalf("throttled %d", n)
	}
	if n := m.Count(Filter{Code: "OK", Action: "TextTranslate", SecretID: m.SecretID}); n != 1 {
		t.Fatalf("ok %d", n)
	}
	entries := m.Journal(Filter{Action: "TextTranslate"})
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Signature == nil || e.SignatureOK == nil || !*e.SignatureOK {
			t.Fatalf("entry %v", e.Raw)
		}
		seen[*e.Signature] = true
	}
	if len(entries) != 3 || len(seen) != 3 {
		t.Fatalf("%d entries, %d signatures", len(entries), len(seen))
	}
	no := false
	if m.Count(Filter{SignatureOK: &no}) != 0 {
		t.Fatal("a failed signature counted")
	}
	m.Reset()
	if len(m.Faults()) != 0 || m.Count(Filter{}) != 0 {
		t.Fatal("reset left state")
	}
	if r, _ := m.Call("LanguageDetect", map[string]any{"Text": "hello world", "ProjectId": 0}); r["Lang"] != "en" {
		t.Fatalf("the account did not survive reset: %v", r)
	}
}

func TestClock(t *testing.T) {
	m := Start(t)
	before := m.Now()
	c := m.SetClock(map[string]any{"offset_s": 3600})
	if int64(c.Now) < before+3600 || c.OffsetS != 3600 {
		t.Fatalf("%+v", c)
	}
	r, _ := m.Call("TextTranslate", text)
	if e, _ := r["Error"].(map[string]any); e["Code"] != "AuthFailure.SignatureExpire" {
		t.Fatalf("%v", r)
	}
	if m.Count(Filter{From: float64(before + 3000)}) != 1 || m.Count(Filter{Until: float64(before + 3000)}) != 0 {
		t.Fatal("time filters")
	}
}

func TestFilterQuery(t *testing.T) {
	yes := true
	got := Filter{Action: "A", Code: "OK", SignatureOK: &yes, Since: 3, From: 1.5}.Query()
	if got != "action=A&code=OK&from=1.5&signature_ok=true&since=3" {
		t.Fatal(got)
	}
}

func TestAdminErrorsAreErrors(t *testing.T) {
	m := Start(t)
	if err := m.Admin("POST", "faults", map[string]any{"error": "NoSuchCode"}, nil); err == nil ||
		!strings.Contains(err.Error(), "400") {
		t.Fatalf("%v", err)
	}
}
