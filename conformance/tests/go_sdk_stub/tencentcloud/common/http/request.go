package common

import "encoding/json"

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
}

func NewCommonRequest(service, version, action string) *CommonRequest {
	return &CommonRequest{&BaseRequest{action}, &actionParameters{}}
}
func (cr *CommonRequest) SetActionParameters(data interface{}) error {
	*cr.actionParameters = data.(map[string]interface{})
	return nil
}

type actionResult map[string]interface{}
type CommonResponse struct {
	*BaseResponse
	*actionResult
}

func NewCommonResponse() *CommonResponse { return &CommonResponse{&BaseResponse{}, &actionResult{}} }
func (r *CommonResponse) GetBody() []byte { b, _ := json.Marshal(r.actionResult); return b }
