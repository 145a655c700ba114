package profile

import "time"

type DurationFunc func(index int) time.Duration
type HttpProfile struct {
	ReqMethod  string
	ReqTimeout int
	Endpoint   string
	Scheme     string
}
type ClientProfile struct {
	HttpProfile                    *HttpProfile
	SignMethod                     string
	Language                       string
	RateLimitExceededMaxRetries    int
	RateLimitExceededRetryDuration DurationFunc
}

func NewClientProfile() *ClientProfile {
	return &ClientProfile{HttpProfile: &HttpProfile{ReqMethod: "POST", ReqTimeout: 60, Scheme: "HTTPS"}, SignMethod: "TC3-HMAC-SHA256", Language: "zh-CN"}
}
