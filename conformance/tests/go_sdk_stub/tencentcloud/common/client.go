package common

import (
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

type CredentialIface interface {
	GetSecretId() string
	GetToken() string
	GetSecretKey() string
}
type Credential struct{ SecretId, SecretKey, Token string }

func (c *Credential) GetSecretKey() string { return c.SecretKey }
func (c *Credential) GetSecretId() string  { return c.SecretId }
func (c *Credential) GetToken() string     { return c.Token }
func NewCredential(id, key string) *Credential { return &Credential{id, key, ""} }
func NewTokenCredential(id, key, token string) *Credential { return &Credential{id, key, token} }

type Client struct{ p *profile.ClientProfile }

func NewCommonClient(cred CredentialIface, region string, p *profile.ClientProfile) *Client {
	return &Client{p}
}
func (c *Client) Send(request tchttp.Request, response tchttp.Response) error {
	msg := "stub: no SDK"
	if cr, ok := request.(*tchttp.CommonRequest); ok {
		msg += " (params given as " + cr.ParamsType + ")"
	}
	return tcerr.NewTencentCloudSDKError("ClientError.NetworkError", msg, "")
}
