package errors

type TencentCloudSDKError struct{ Code, Message, RequestId string }

func (e *TencentCloudSDKError) Error() string       { return e.Code }
func (e *TencentCloudSDKError) GetCode() string      { return e.Code }
func (e *TencentCloudSDKError) GetMessage() string   { return e.Message }
func (e *TencentCloudSDKError) GetRequestId() string { return e.RequestId }
func NewTencentCloudSDKError(code, message, requestId string) error {
	return &TencentCloudSDKError{code, message, requestId}
}
