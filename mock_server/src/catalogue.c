/*
 * catalogue.c: the error codes the server produces, as data.
 *
 * e_en is the observed runtime text where tencent-api.md gives one; where it
 * gives both languages e_zh holds the Chinese one. Where no runtime text is
 * known, e_en is a descriptive mock text and e_zh the documentation's
 * description (mock convention, documented in the README).
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

static const struct err_def catalogue[] = {
	{ "AuthFailure.InvalidAuthorization",
	  "The Authorization header does not follow the Tencent Cloud standard: %s.",
	  "请求头部的 Authorization 不符合腾讯云标准。", RC_CLIENT },
	{ "AuthFailure.InvalidSecretId",
	  "The SecretId is not a cloud API key (expected `AKID` followed by 32 letters or digits).",
	  "密钥非法（不是云 API 密钥类型）。", RC_CLIENT },
	{ "AuthFailure.SecretIdNotFound",
	  "The SecretId is not found, please ensure that your SecretId is correct.",
	  "SecretId不存在，请输入正确的密钥。", RC_CLIENT },
	{ "AuthFailure.SignatureExpire",
	  "The signature is expired, please request again.", NULL, RC_CLOCK },
	{ "AuthFailure.SignatureFailure",
	  "The provided credentials could not be validated. Please check your signature is correct.",
	  "请求签名验证失败，请检查您的签名计算是否正确。", RC_CLIENT },
	{ "AuthFailure.TokenFailure",
	  "The provided token is missing, does not match the temporary credentials, or has expired.",
	  "token 错误。", RC_CLIENT },
	{ "InvalidAction",
	  "The request `Action` is invalid or not found.", NULL, RC_CLIENT },
	{ "InvalidParameter", "%s", NULL, RC_CLIENT },
	{ "InvalidParameterValue", "%s", NULL, RC_CLIENT },
	{ "MissingParameter",
	  "The request is missing a required parameter `%s`.", NULL, RC_CLIENT },
	{ "NoSuchVersion",
	  "The specified api version=`%s` does not exist in service=`tmt`.",
	  NULL, RC_CLIENT },
	{ "RequestSizeLimitExceeded",
	  "The request size exceeds the limit (10 MB for TC3-HMAC-SHA256 POST requests).",
	  "请求包超过限制大小。", RC_CLIENT },
	{ "UnsupportedOperation", "%s", NULL, RC_CLIENT },
	{ "UnsupportedProtocol",
	  "The HTTP method `%s` is not supported; only GET and POST requests are accepted.",
	  "http(s) 请求协议错误，只支持 GET 和 POST 请求。", RC_CLIENT },
	{ "UnsupportedRegion",
	  "The action not support this region.", NULL, RC_CLIENT },
};

const struct err_def *
catalogue_find(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof catalogue / sizeof catalogue[0]; i++)
		if (strcmp(catalogue[i].e_code, code) == 0)
			return &catalogue[i];
	return NULL;
}

char *
catalogue_message(const struct err_def *e, bool lang_en, const char *arg)
{
	const char *fmt = (!lang_en && e->e_zh != NULL) ? e->e_zh : e->e_en;

	if (strstr(fmt, "%s") != NULL)
		return xasprintf(fmt, arg != NULL ? arg : "");
	return xstrdup(fmt);
}
