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
	{ "AuthFailure.MFAFailure",
	  "MFA verification failed: this account requires multi-factor authentication.",
	  "MFA 错误。", RC_CLIENT },
	{ "AuthFailure.UnauthorizedOperation",
	  "The request is not authorized: the CAM policy of this key does not allow `%s`.",
	  "请求未授权。请参考 CAM 文档对鉴权的说明。", RC_CLIENT },
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
	{ "DryRunOperation",
	  "DryRun operation: the request would have succeeded, but the DryRun parameter was passed.",
	  "DryRun 操作，代表请求将会是成功的，只是多传了 DryRun 参数。", RC_CLIENT },
	{ "FailedOperation.DecodeErr", "The image could not be decoded.",
	  "图片解码失败", RC_CLIENT },
	{ "FailedOperation.DownloadErr", "The image could not be downloaded.",
	  "图片下载出错", RC_CLIENT },
	{ "FailedOperation.LanguageRecognitionErr",
	  "The language of the text cannot be recognized at the moment.",
	  "暂时无法识别该语种。", RC_CLIENT },
	{ "FailedOperation.NoFreeAmount",
	  "The free quota for this month is used up. To continue to use the service, you need to upgrade to a paid account in the TMT console.",
	  "本月免费额度已用完，如需继续使用您可以在机器翻译控制台升级为付费使用。", RC_CLIENT },
	{ "FailedOperation.ServiceIsolate",
	  "The service is suspended due to overdue payments. Top up your account first.",
	  "账号因为欠费停止服务，请在腾讯云账户充值。", RC_CLIENT },
	{ "FailedOperation.StopUsing", "The service of this account has been stopped.",
	  "账号已停服。", RC_CLIENT },
	{ "FailedOperation.UserHasNoFreeAmount",
	  "The free quota for this month is used up (file translation has none). Buy a resource package or enable pay-as-you-go in the TMT console.",
	  "本月免费额度已用完，如需继续使用您可以在机器翻译控制台购买资源包或开通后付费使用。", RC_CLIENT },
	{ "FailedOperation.UserNotRegistered",
	  "The service is not activated. Activate it in the TMT console first.",
	  "服务未开通，请在腾讯云官网机器翻译控制台开通服务。", RC_CLIENT },
	{ "InvalidParameter.DuplicatedSessionIdAndSeq",
	  "The combination of SessionUuid and Seq is duplicated.",
	  "重复的SessionUuid和Seq组合。", RC_CLIENT },
	{ "InvalidParameter.SeqIntervalTooLarge",
	  "The gap between Seq values must not be larger than 2000.",
	  "Seq之间的间隙请不要大于2000。", RC_CLIENT },
	{ "RequestLimitExceeded",
	  "Your current request times exceeds the frequency limit for a second. Please reduce the frequency of calls.",
	  NULL, RC_THROTTLED },
	{ "UnauthorizedOperation",
	  "Unauthorized operation: this sub-account is denied the tmt service.",
	  "未授权操作。", RC_CLIENT },
	{ "UnknownParameter", "The parameter `%s` is not recognized.", NULL, RC_CLIENT },
	{ "UnsupportedOperation.AudioDurationExceed",
	  "The audio chunk is too long: keep each chunk under 8 s.",
	  "音频分片长度超过限制，请保证分片长度小于8s。", RC_CLIENT },
	{ "UnsupportedOperation.TextTooLong",
	  "Please ensure that a single request length less than %s", NULL, RC_CLIENT },
	{ "UnsupportedOperation.UnSupportedTargetLanguage",
	  "Unsupported target language. Please refer to the supported language list.",
	  "不支持的目标语言，请参照语言列表。", RC_CLIENT },
	{ "UnsupportedOperation.UnsupportedLanguage",
	  "Unsupported language. Please refer to the supported language list.",
	  "不支持的语言，请参照语言列表。", RC_CLIENT },
	{ "UnsupportedOperation.UnsupportedSourceLanguage",
	  "Unsupported source language. Please refer to the supported language list.",
	  "不支持的源语言，请参照语言列表。", RC_CLIENT },
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
