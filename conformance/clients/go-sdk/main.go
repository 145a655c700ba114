// Conformance adapter for the official Tencent Cloud Go SDK (tencentcloud-sdk-go).
//
// Built by adapter.py (next to this file) against the SDK checkout at $TMT_GO_SDK with
// a replace directive, GOFLAGS=-mod=mod and GOPROXY=off: no network. Protocol
// (docs/conformance.md, Adapter protocol): newline-delimited JSON on stdin, one answer per message
// on stdout, logs on stderr.
//
// The SDK is used as an application would (docs/conformance.md, The official SDKs), through its
// generic client, so that every TMT action (and any action name) can be called
// whatever the SDK version (the newest SDKs only have a typed method for
// ImageTranslateLLM):
//
//	cpf := profile.NewClientProfile()
//	cpf.HttpProfile.Endpoint = "127.0.0.1:PORT"; cpf.HttpProfile.Scheme = "http"
//	cpf.HttpProfile.ReqMethod = "POST" | "GET"; cpf.HttpProfile.ReqTimeout = seconds
//	cpf.SignMethod = ...; cpf.Language = ...
//	cpf.RateLimitExceededMaxRetries = max_attempts - 1   (retries RequestLimitExceeded only,
//	                                                      resending the same signed request)
//	client := common.NewCommonClient(credential, region, cpf)
//	request := tchttp.NewCommonRequest("tmt", "2018-03-21", action)
//	request.SetActionParameters(params); client.Send(request, tchttp.NewCommonResponse())
//
// ReqTimeout is whole seconds (http.Client.Timeout for the whole exchange): timeout_ms
// is rounded up. The generic response decodes numbers as float64 (big integers may
// lose precision, as they would for an application using the generic client).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// Set by adapter.py with -ldflags "-X main.sdkVersion=...".
var sdkVersion = "unknown"

const (
	service    = "tmt"
	apiVersion = "2018-03-21"
)

var capabilities = []string{
	"TextTranslate", "TextTranslateBatch", "LanguageDetect", "SpeechTranslate",
	"ImageTranslate", "ImageTranslateLLM", "FileTranslate", "GetFileTranslate",
	"sign:TC3-HMAC-SHA256", "sign:HmacSHA256", "sign:HmacSHA1",
	"method:POST", "method:GET",
	"retry", "timeout", "token", "language", "custom_action", "raw_params",
}

type credentials struct {
	SecretID  string  `json:"secret_id"`
	SecretKey string  `json:"secret_key"`
	Token     *string `json:"token"`
}

type options struct {
	SignMethod  string  `json:"sign_method"`
	Method      string  `json:"method"`
	TimeoutMs   int64   `json:"timeout_ms"`
	MaxAttempts int     `json:"max_attempts"`
	Language    *string `json:"language"`
}

type message struct {
	Cmd         string                 `json:"cmd"`
	Seq         *int64                 `json:"seq"`
	Endpoint    string                 `json:"endpoint"`
	Region      *string                `json:"region"`
	Credentials credentials            `json:"credentials"`
	Action      string                 `json:"action"`
	Params      map[string]interface{} `json:"params"`
	Options     options                `json:"options"`
}

var out = bufio.NewWriter(os.Stdout)

func write(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]interface{}{
			"seq": nil, "errored": map[string]interface{}{"message": "cannot serialise the answer: " + err.Error()},
		})
	}
	out.Write(b)
	out.WriteString("\n")
	out.Flush()
}

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-sdk adapter: "+format+"\n", args...)
}

var (
	timeoutRe  = regexp.MustCompile(`(?i)Client\.Timeout|deadline exceeded|i/o timeout|timeout awaiting`)
	readBodyRe = regexp.MustCompile(`Fail to read (http|response) body`)
)

func failure(kind, code, msg, requestID string) map[string]interface{} {
	e := map[string]interface{}{"kind": kind, "code": nil, "message": msg, "request_id": nil}
	if kind == "api" {
		e["code"] = code
	} else if code != "" {
		e["sdk_code"] = code
	}
	if requestID != "" {
		e["request_id"] = requestID
	}
	return map[string]interface{}{"ok": false, "error": e}
}

func transportKind(msg string) string {
	if timeoutRe.MatchString(msg) {
		return "timeout"
	}
	return "network"
}

// classify maps what Client.Send returned to the protocol's error (docs/conformance.md, The official SDKs):
// ClientError.NetworkError (transport, incl. http.Client.Timeout), ClientError.IOError and
// ParseJsonError while reading the body (transport), ClientError.HttpStatusCodeError
// (non-200 without an envelope), ClientError.ParseJsonError (body not JSON), other
// ClientError.* (the SDK refused the call), anything else: the API's code.
func classify(err error) map[string]interface{} {
	var sdkErr *tcerr.TencentCloudSDKError
	if errors.As(err, &sdkErr) {
		code, msg, rid := sdkErr.GetCode(), sdkErr.GetMessage(), sdkErr.GetRequestId()
		switch {
		case code == "ClientError.NetworkError", code == "ClientError.IOError":
			return failure(transportKind(msg), code, msg, rid)
		case code == "ClientError.HttpStatusCodeError":
			return failure("network", code, msg, rid)
		case code == "ClientError.ParseJsonError":
			if readBodyRe.MatchString(msg) {
				return failure(transportKind(msg), code, msg, rid)
			}
			return failure("parse", code, msg, rid)
		case strings.HasPrefix(code, "ClientError"):
			return failure("other", code, msg, rid)
		default:
			return failure("api", code, msg, rid)
		}
	}
	msg := err.Error()
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return failure(transportKind(msg), "", msg, "")
	}
	return failure("other", "", fmt.Sprintf("%T: %s", err, msg), "")
}

func newClient(m *message) (*common.Client, error) {
	u, err := url.Parse(m.Endpoint)
	if err != nil {
		return nil, err
	}
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = u.Host
	cpf.HttpProfile.Scheme = u.Scheme
	if m.Options.Method != "" {
		cpf.HttpProfile.ReqMethod = strings.ToUpper(m.Options.Method)
	}
	if m.Options.TimeoutMs > 0 {
		cpf.HttpProfile.ReqTimeout = int((m.Options.TimeoutMs + 999) / 1000)
	}
	if m.Options.SignMethod != "" {
		cpf.SignMethod = m.Options.SignMethod
	}
	if m.Options.Language != nil && *m.Options.Language != "" {
		cpf.Language = *m.Options.Language
	}
	if m.Options.MaxAttempts > 1 {
		cpf.RateLimitExceededMaxRetries = m.Options.MaxAttempts - 1
		cpf.RateLimitExceededRetryDuration = func(idx int) time.Duration {
			return (100 * time.Millisecond) << uint(idx)
		}
	}
	var cred *common.Credential
	if m.Credentials.Token != nil {
		cred = common.NewTokenCredential(m.Credentials.SecretID, m.Credentials.SecretKey, *m.Credentials.Token)
	} else {
		cred = common.NewCredential(m.Credentials.SecretID, m.Credentials.SecretKey)
	}
	region := ""
	if m.Region != nil {
		region = *m.Region
	}
	return common.NewCommonClient(cred, region, cpf), nil
}

func run(m *message) (answer map[string]interface{}) {
	answer = map[string]interface{}{"seq": m.Seq}
	defer func() {
		if r := recover(); r != nil {
			delete(answer, "result")
			answer["errored"] = map[string]interface{}{
				"message": fmt.Sprintf("panic: %v", r), "traceback": string(debug.Stack()),
			}
		}
	}()
	client, err := newClient(m)
	if err != nil {
		answer["result"] = failure("other", "", err.Error(), "")
		return
	}
	request := tchttp.NewCommonRequest(service, apiVersion, m.Action)
	params := m.Params
	if params == nil {
		params = map[string]interface{}{}
	}
	if err := request.SetActionParameters(params); err != nil {
		answer["result"] = classify(err)
		return
	}
	response := tchttp.NewCommonResponse()
	if err := client.Send(request, response); err != nil {
		answer["result"] = classify(err)
		return
	}
	// The generic response holds the whole body: {"Response": {...}}. A body without
	// "Response" is a success for the SDK (docs/conformance.md, The official SDKs); it is reported as such.
	var body map[string]interface{}
	dec := json.NewDecoder(bytes.NewReader(response.GetBody()))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		answer["result"] = failure("parse", "", "cannot read the SDK's response: "+err.Error(), "")
		return
	}
	resp, ok := body["Response"].(map[string]interface{})
	if !ok {
		resp = map[string]interface{}{}
	}
	answer["result"] = map[string]interface{}{"ok": true, "response": resp}
	return
}

func main() {
	// The mock is on loopback: never go through a proxy from the environment.
	for _, name := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"} {
		os.Unsetenv(name)
	}
	logf("tencentcloud-sdk-go %s, %s", sdkVersion, runtime.Version())
	in := bufio.NewReader(os.Stdin)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var m message
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.UseNumber() // params keep their numbers exactly
			if derr := dec.Decode(&m); derr != nil {
				write(map[string]interface{}{"seq": nil, "errored": map[string]interface{}{"message": "not a message: " + derr.Error()}})
			} else {
				switch m.Cmd {
				case "start":
					write(map[string]interface{}{"client": map[string]interface{}{
						"name": "go-sdk", "version": sdkVersion, "language": "go", "capabilities": capabilities,
					}})
				case "run":
					write(run(&m))
				case "stop":
					return
				default:
					write(map[string]interface{}{"seq": m.Seq, "errored": map[string]interface{}{"message": "unknown cmd " + m.Cmd}})
				}
			}
		}
		if err != nil {
			return
		}
	}
}
