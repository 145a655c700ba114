package common

import (
	"encoding/json"
	"fmt"
)

const sdkVersion = "0.0.0-stub"

type Request interface{ GetAction() string }
type Response interface{ ParseErrorFromHTTPResponse(body []byte) error }
type BaseRequest struct{ action string }

func (r *BaseRequest) GetAction() string { return r.action }

type BaseResponse struct{}

func (r *BaseResponse) ParseErrorFromHTTPResponse(body []byte) error { return nil }

type actionParameters map[string]interface{}
type CommonRequest struct {
	*BaseRequest
	*actionParameters
	// How SetActionParameters was given the params (the test checks: the JSON bytes, so
	// that only the SDK's own JSON ever reads them).
	ParamsType string
}

func NewCommonRequest(service, version, action string) *CommonRequest {
	return &CommonRequest{&BaseRequest{action}, &actionParameters{}, ""}
}
// As the SDK's: a map, or the params' JSON text as []byte or string.
func (cr *CommonRequest) SetActionParameters(data interface{}) error {
	cr.ParamsType = fmt.Sprintf("%T", data)
	switch d := data.(type) {
	case []byte:
		return json.Unmarshal(d, cr.actionParameters)
	case string:
		return json.Unmarshal([]byte(d), cr.actionParameters)
	case map[string]interface{}:
		*cr.actionParameters = d
	}
	return nil
}

type actionResult map[string]interface{}
type CommonResponse struct {
	*BaseResponse
	*actionResult
}

func NewCommonResponse() *CommonResponse { return &CommonResponse{&BaseResponse{}, &actionResult{}} }
func (r *CommonResponse) GetBody() []byte { b, _ := json.Marshal(r.actionResult); return b }
