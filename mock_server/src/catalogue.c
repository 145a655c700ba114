/*
 * catalogue.c: the error codes the server produces, as data.
 *
 * Every common code of the TMT error-code page and every TMT business code
 * of the API definitions (docs/behaviour.md, Other error codes),
 * sorted by code (strcmp order) so that catalogue_find can bsearch it.
 *
 * e_en is the observed runtime text where one is on record; where both
 * languages are on record e_zh holds the Chinese one. Where no runtime text is
 * known, e_en is a descriptive mock text (the intl English definition text
 * where there is one) and e_zh the documentation's description (mock
 * convention, docs/behaviour.md). e_faq marks the 38 codes of the TMT
 * FAQ; e_trigger says how the mock produces a code without injection (NULL:
 * injection only). e_class is the class of docs/conformance.md.
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

#define FAQ	true
#define NEW	false

static const struct err_def catalogue[] = {
	{ "ActionOffline",
	  "This API has been taken offline.",
	  "接口已下线。", RC_CLIENT, NEW, NULL },
	{ "AuthFailure.InvalidAuthorization",
	  "The Authorization header does not follow the Tencent Cloud standard: %s.",
	  "请求头部的 Authorization 不符合腾讯云标准。", RC_CLIENT, NEW,
	  "A TC3 request whose Authorization header is malformed." },
	{ "AuthFailure.InvalidSecretId",
	  "The SecretId is not a cloud API key (expected `AKID` followed by 32 or more letters, digits, `_` or `-`).",
	  "密钥非法（不是云 API 密钥类型）。", RC_CLIENT, FAQ,
	  "An unknown SecretId that starts with AKID but does not go on with 32 or more letters, digits, `_` or `-`." },
	{ "AuthFailure.MFAFailure",
	  "MFA verification failed: this account requires multi-factor authentication.",
	  "MFA 错误。", RC_CLIENT, FAQ,
	  "A request signed with the MFA-protected fixture account." },
	{ "AuthFailure.SecretIdNotFound",
	  "The SecretId is not found, please ensure that your SecretId is correct.",
	  "SecretId不存在，请输入正确的密钥。", RC_CLIENT, FAQ,
	  "An unknown SecretId (any that does not start with AKID too: null, an app id), or the disabled fixture account." },
	{ "AuthFailure.SignatureExpire",
	  "The signature is expired, please request again.", NULL, RC_CLOCK, FAQ,
	  "A Timestamp more than 300 s away from the mock clock." },
	{ "AuthFailure.SignatureFailure",
	  "The provided credentials could not be validated. Please check your signature is correct.",
	  "请求签名验证失败，请检查您的签名计算是否正确。", RC_CLIENT, FAQ,
	  "A wrong SecretKey or any signed byte changed; a v1 body over 1 MiB." },
	{ "AuthFailure.TokenFailure",
	  "The provided token is missing, does not match the temporary credentials, or has expired.",
	  "token 错误。", RC_CLIENT, FAQ,
	  "The temporary fixture account without its token or with another, or the expired-token account." },
	{ "AuthFailure.UnauthorizedOperation",
	  "The request is not authorized: the CAM policy of this key does not allow `%s`.",
	  "请求未授权。请参考 CAM 文档对鉴权的说明。", RC_CLIENT, FAQ,
	  "An account whose allowed actions lack the action called." },
	{ "DryRunOperation",
	  "DryRun operation: the request would have succeeded, but the DryRun parameter was passed.",
	  "DryRun 操作，代表请求将会是成功的，只是多传了 DryRun 参数。", RC_CLIENT, FAQ,
	  "DryRun true on a request that would otherwise succeed." },
	{ "FailedOperation",
	  "Operation failed.",
	  "操作失败。", RC_TRANSIENT, FAQ, NULL },
	{ "FailedOperation.DecodeErr", "The image could not be decoded.",
	  "图片解码失败", RC_CLIENT, NEW,
	  "ImageTranslateLLM with Data that is not a PNG or JPEG image." },
	{ "FailedOperation.DownloadErr", "The image could not be downloaded.",
	  "图片下载出错", RC_CLIENT, NEW,
	  "ImageTranslateLLM with a Url that no image fixture serves." },
	{ "FailedOperation.ErrorUserArea",
	  "The region of the account does not match the region of the requested service.",
	  "用户区域与请求服务区域不一致。", RC_CLIENT, NEW, NULL },
	{ "FailedOperation.InsertErr",
	  "Data insertion error.",
	  "数据插入错误。", RC_CLIENT, NEW, NULL },
	{ "FailedOperation.LanguageRecognitionErr",
	  "The language of the text cannot be recognized at the moment.",
	  "暂时无法识别该语种。", RC_CLIENT, NEW,
	  "LanguageDetect, or Source auto, on text whose language is not detected." },
	{ "FailedOperation.NoFreeAmount",
	  "The free quota for this month is used up. To continue to use the service, you need to upgrade to a paid account in the TMT console.",
	  "本月免费额度已用完，如需继续使用您可以在机器翻译控制台升级为付费使用。", RC_CLIENT, FAQ,
	  "A free-tier account past its monthly characters." },
	{ "FailedOperation.RequestAiLabErr",
	  "Internal request error. Please try again later.",
	  "内部请求错误，请稍后重试。", RC_CLIENT, NEW, NULL },
	{ "FailedOperation.RequestHunYuanErr",
	  "Internal request error. Please try again later.",
	  "内部请求错误，请稍后重试。", RC_CLIENT, NEW, NULL },
	{ "FailedOperation.ServiceIsolate",
	  "The service is suspended due to overdue payments. Top up your account first.",
	  "账号因为欠费停止服务，请在腾讯云账户充值。", RC_CLIENT, FAQ,
	  "A request signed with the isolated (in arrears) fixture account." },
	{ "FailedOperation.StopUsing", "The service of this account has been stopped.",
	  "账号已停服。", RC_CLIENT, NEW,
	  "A request signed with the stopped fixture account." },
	{ "FailedOperation.SubmissionLimitReached",
	  "The number of tasks submitted today has reached the limit.",
	  "当日提交任务数达到上限", RC_CLIENT, NEW, NULL },
	{ "FailedOperation.TooManyWaitProcess",
	  "Too many unfinished tasks.",
	  "过多未完成任务", RC_CLIENT, NEW, NULL },
	{ "FailedOperation.UserHasNoFreeAmount",
	  "The free quota for this month is used up (file translation has none). Buy a resource package or enable pay-as-you-go in the TMT console.",
	  "本月免费额度已用完，如需继续使用您可以在机器翻译控制台购买资源包或开通后付费使用。", RC_CLIENT, NEW,
	  "FileTranslate from a free-tier account." },
	{ "FailedOperation.UserNotRegistered",
	  "The service is not activated. Activate it in the TMT console first.",
	  "服务未开通，请在腾讯云官网机器翻译控制台开通服务。", RC_CLIENT, FAQ,
	  "A request signed with the not-registered fixture account." },
	{ "InternalError",
	  "Internal error.",
	  "内部错误。", RC_TRANSIENT, FAQ, NULL },
	{ "InternalError.BackendTimeout",
	  "Backend service timeout. Please try again later.",
	  "后台服务超时，请稍后重试。", RC_TRANSIENT, FAQ, NULL },
	{ "InternalError.ErrorGetRoute",
	  "Route retrieval error.",
	  "路由获取错误。", RC_TRANSIENT, NEW, NULL },
	{ "InternalError.ErrorUnknown",
	  "Unknown error.",
	  "未知错误。", RC_TRANSIENT, FAQ, NULL },
	{ "InternalError.RequestFailed",
	  "Request failed.",
	  "请求失败。", RC_TRANSIENT, NEW, NULL },
	{ "InvalidAction",
	  "The request `Action` is invalid or not found.", NULL, RC_CLIENT, FAQ,
	  "An Action that is not one of the eight TMT actions." },
	{ "InvalidParameter", "%s", NULL, RC_CLIENT, FAQ,
	  "A body that does not decode, a wrong JSON type, undecodable base64, or an unknown TaskId." },
	{ "InvalidParameter.DuplicatedSessionIdAndSeq",
	  "The combination of SessionUuid and Seq is duplicated.",
	  "重复的SessionUuid和Seq组合。", RC_CLIENT, FAQ,
	  "SpeechTranslate with a SessionUuid and Seq sent twice." },
	{ "InvalidParameter.MissingParameter",
	  "Invalid parameter.",
	  "参数错误。", RC_CLIENT, NEW, NULL },
	{ "InvalidParameter.SeqIntervalTooLarge",
	  "The gap between Seq values must not be larger than 2000.",
	  "Seq之间的间隙请不要大于2000。", RC_CLIENT, FAQ,
	  "SpeechTranslate with a Seq more than 2000 past the last one." },
	{ "InvalidParameterValue", "%s", NULL, RC_CLIENT, FAQ,
	  "A malformed Region, an unsupported language pair (observed dialect), or a value outside the documented ones." },
	{ "InvalidRequest",
	  "The multipart format of the request body is invalid.",
	  "请求 body 的 multipart 格式错误。", RC_CLIENT, NEW, NULL },
	{ "IpInBlacklist",
	  "The IP address is in the blacklist.",
	  "IP地址在黑名单中。", RC_CLIENT, NEW, NULL },
	{ "IpNotInWhitelist",
	  "The IP address is not in the whitelist.",
	  "IP地址不在白名单中。", RC_CLIENT, NEW, NULL },
	{ "LimitExceeded",
	  "The quota limit is reached.",
	  "超过配额限制。", RC_CLIENT, FAQ, NULL },
	{ "LimitExceeded.LimitedAccessFrequency",
	  "The request frequency limit is reached.",
	  "超出请求频率。", RC_THROTTLED, NEW, NULL },
	{ "MissingParameter",
	  "The request is missing a required parameter `%s`.", NULL, RC_CLIENT, FAQ,
	  "A common or business parameter left out." },
	{ "NoSuchProduct",
	  "The product does not exist.",
	  "产品不存在", RC_CLIENT, NEW, NULL },
	{ "NoSuchVersion",
	  "The specified api version=`%s` does not exist in service=`tmt`.",
	  NULL, RC_CLIENT, FAQ,
	  "A Version other than 2018-03-21." },
	{ "RequestLimitExceeded",
	  "Your current request times exceeds the frequency limit for a second. Please reduce the frequency of calls.",
	  NULL, RC_THROTTLED, FAQ,
	  "More requests in a second than the action's QPS, per SecretId, Action and Region." },
	{ "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
	  "The root account has exceeded the frequency limit.",
	  "主账号超过频率限制。", RC_THROTTLED, NEW, NULL },
	{ "RequestLimitExceeded.IPLimitExceeded",
	  "The IP address has exceeded the frequency limit.",
	  "IP限频。", RC_THROTTLED, NEW, NULL },
	{ "RequestLimitExceeded.UinLimitExceeded",
	  "The UIN usage limit is exceeded.",
	  "超出UIN使用限额。", RC_THROTTLED, NEW, NULL },
	{ "RequestSizeLimitExceeded",
	  "The request size exceeds the limit (10 MB for TC3-HMAC-SHA256 POST requests).",
	  "请求包超过限制大小。", RC_CLIENT, NEW,
	  "A TC3 POST body larger than 10 MiB." },
	{ "ResourceInUse",
	  "The resource is in use.",
	  "资源被占用。", RC_CLIENT, FAQ, NULL },
	{ "ResourceInsufficient",
	  "Insufficient resources.",
	  "资源不足。", RC_TRANSIENT, FAQ, NULL },
	{ "ResourceNotFound",
	  "The resource does not exist.",
	  "资源不存在。", RC_CLIENT, FAQ, NULL },
	{ "ResourceUnavailable",
	  "The resource is unavailable.",
	  "资源不可用。", RC_TRANSIENT, FAQ, NULL },
	{ "ResponseSizeLimitExceeded",
	  "The response exceeds the size limit.",
	  "返回包超过限制大小。", RC_CLIENT, NEW, NULL },
	{ "ServiceUnavailable",
	  "The service is temporarily unavailable.",
	  "当前服务暂时不可用。", RC_TRANSIENT, NEW, NULL },
	{ "UnauthorizedOperation",
	  "Unauthorized operation: this sub-account is denied the tmt service.",
	  "未授权操作。", RC_CLIENT, FAQ,
	  "A request signed with the service-denied fixture account." },
	{ "UnauthorizedOperation.ActionNotFound",
	  "Incorrect name entered in the `Action` field.",
	  "请填写正确的Action字段名称。", RC_CLIENT, FAQ, NULL },
	{ "UnknownParameter", "The parameter `%s` is not recognized.", NULL, RC_CLIENT, FAQ,
	  "A parameter the action does not define." },
	{ "UnsupportedOperation", "%s", NULL, RC_CLIENT, FAQ,
	  "SpeechTranslate streaming speex or mp3 audio." },
	{ "UnsupportedOperation.AudioDurationExceed",
	  "The audio chunk is too long: keep each chunk under 8 s.",
	  "音频分片长度超过限制，请保证分片长度小于8s。", RC_CLIENT, NEW,
	  "SpeechTranslate with an audio chunk of 8 s or more." },
	{ "UnsupportedOperation.TextTooLong",
	  "Please ensure that a single request length less than %s", NULL, RC_CLIENT, FAQ,
	  "Text of 6000 characters or more (the --text-limit)." },
	{ "UnsupportedOperation.UnSupportedTargetLanguage",
	  "Unsupported target language. Please refer to the supported language list.",
	  "不支持的目标语言，请参照语言列表。", RC_CLIENT, FAQ,
	  "An unknown target code, with --language-errors documented." },
	{ "UnsupportedOperation.UnsupportedLanguage",
	  "Unsupported language. Please refer to the supported language list.",
	  "不支持的语言，请参照语言列表。", RC_CLIENT, FAQ,
	  "Two known codes that do not pair, with --language-errors documented." },
	{ "UnsupportedOperation.UnsupportedSourceLanguage",
	  "Unsupported source language. Please refer to the supported language list.",
	  "不支持的源语言，请参照语言列表。", RC_CLIENT, FAQ,
	  "An unknown source code, with --language-errors documented." },
	{ "UnsupportedProtocol",
	  "The HTTP method `%s` is not supported; only GET and POST requests are accepted.",
	  "http(s) 请求协议错误，只支持 GET 和 POST 请求。", RC_CLIENT, FAQ,
	  "A method other than GET or POST." },
	{ "UnsupportedRegion",
	  "The action not support this region.", NULL, RC_CLIENT, FAQ,
	  "A well-formed region where TMT is not offered, e.g. ap-tokyo." },
};

#define NCATALOGUE	(sizeof catalogue / sizeof catalogue[0])

static int
code_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct err_def *)elem)->e_code);
}

const struct err_def *
catalogue_find(const char *code)
{
	if (code == NULL)
		return NULL;
	return bsearch(code, catalogue, NCATALOGUE, sizeof catalogue[0],
	    code_cmp);
}

size_t
catalogue_count(void)
{
	return NCATALOGUE;
}

const struct err_def *
catalogue_at(size_t i)
{
	return i < NCATALOGUE ? &catalogue[i] : NULL;
}

/*
 * What fills a message's %s when nothing does: an injected error (a rule or
 * magic value without a message) must still read like the real thing, not
 * quote the action's name as a parameter.
 */
static const struct {
	const char	*d_code;
	const char	*d_en;
	const char	*d_zh;
} defaults[] = {
	{ "AuthFailure.InvalidAuthorization", "the Credential part is malformed", NULL },
	{ "AuthFailure.UnauthorizedOperation", "tmt:TextTranslate", NULL },
	{ "InvalidParameter", "Invalid parameter (format or type).",
	  "参数错误（包括参数格式、类型等错误）。" },
	{ "InvalidParameterValue", "Invalid parameter value.", "参数取值错误。" },
	{ "MissingParameter", "SourceText", NULL },
	{ "NoSuchVersion", "2017-03-12", NULL },
	{ "UnknownParameter", "UnknownField", NULL },
	{ "UnsupportedOperation", "The operation is not supported.", "操作不支持。" },
	{ "UnsupportedOperation.TextTooLong", "6000", NULL },
	{ "UnsupportedProtocol", "PUT", NULL },
};

char *
catalogue_message(const struct err_def *e, bool lang_en, const char *arg)
{
	const char *fmt = (!lang_en && e->e_zh != NULL) ? e->e_zh : e->e_en;
	size_t i;

	if (strstr(fmt, "%s") == NULL)
		return xstrdup(fmt);
	for (i = 0; arg == NULL && i < sizeof defaults / sizeof defaults[0]; i++)
		if (strcmp(defaults[i].d_code, e->e_code) == 0)
			arg = (!lang_en && defaults[i].d_zh != NULL) ?
			    defaults[i].d_zh : defaults[i].d_en;
	return xasprintf(fmt, arg != NULL ? arg : "");
}
