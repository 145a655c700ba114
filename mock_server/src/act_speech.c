/*
 * act_speech.c: SpeechTranslate (docs/behaviour.md, SpeechTranslate).
 *
 * A session is one utterance sent in chunks, keyed by the account and the
 * SessionUuid, and held in memory until it has been idle for 10 minutes on
 * the mock clock. It remembers every Seq it has seen, so a repeat is a
 * duplicate even after IsEnd closed it; a chunk with a new Seq after the
 * close starts the session's next utterance (VadSeq counts them).
 *
 * The mock recognises no speech. SourceText is a deterministic text that
 * names how many bytes of audio the utterance has so far ("mock speech:
 * 64000 bytes", in Chinese for Source zh), and TargetText is that text
 * through xlate_text(), so translations.json can still give it a
 * translation (mock convention).
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

#define AUDIO_PCM 146
/* 16 kHz, 16-bit mono: a chunk of 8 s or more is refused. */
#define PCM_BYTES_PER_S 32000
#define PCM_MAX_CHUNK (8 * PCM_BYTES_PER_S)
/*
 * Mock convention: the mock cannot tell the duration of speex or mp3
 * without a decoder, so whole (non-streamed) compressed audio is held to
 * the older limits page's 1 MB instead of to 8 s.
 */
#define COMPRESSED_MAX (1024 * 1024)
#define SEQ_MAX_GAP 2000
#define SESSION_IDLE_S 600
#define SESSION_BUCKETS 256

struct session {
	char		*s_key;		/* secret_id "\n" SessionUuid */
	time_t		 s_last;	/* last chunk, mock clock */
	struct seq_set	 s_seqs;
	bool		 s_closed;	/* IsEnd seen for the current utterance */
	long long	 s_bytes;	/* audio of the current utterance */
	long long	 s_vad;		/* utterances closed before it */
	struct session	*s_next;
};

static struct session *buckets[SESSION_BUCKETS];
static time_t last_sweep;

/* Index of the first element >= seq. */
static size_t
seq_lower(const struct seq_set *ss, long long seq)
{
	size_t lo = 0, hi = ss->ss_n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ss->ss_v[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum seq_check
seq_check(const struct seq_set *ss, long long seq)
{
	size_t i = seq_lower(ss, seq);
	long long highest;

	if (i < ss->ss_n && ss->ss_v[i] == seq)
		return SEQ_DUPLICATE;
	/* Seq starts at 0, so a new session measures its first gap from 0. */
	highest = ss->ss_n > 0 ? ss->ss_v[ss->ss_n - 1] : 0;
	if (seq > highest && seq - highest > SEQ_MAX_GAP)
		return SEQ_GAP;
	return SEQ_OK;
}

void
seq_add(struct seq_set *ss, long long seq)
{
	size_t i = seq_lower(ss, seq);

	if (i < ss->ss_n && ss->ss_v[i] == seq)
		return;
	if (ss->ss_n == ss->ss_cap) {
		ss->ss_cap = ss->ss_cap ? ss->ss_cap * 2 : 16;
		ss->ss_v = xrealloc(ss->ss_v, ss->ss_cap * sizeof *ss->ss_v);
	}
	memmove(ss->ss_v + i + 1, ss->ss_v + i, (ss->ss_n - i) * sizeof *ss->ss_v);
	ss->ss_v[i] = seq;
	ss->ss_n++;
}

void
seq_free(struct seq_set *ss)
{
	free(ss->ss_v);
	memset(ss, 0, sizeof *ss);
}

bool
speech_streaming(long long seq, long long is_end)
{
	return !(seq == 0 && is_end == 1);
}

enum audio_check
speech_audio_check(long long format, bool streaming, size_t decoded)
{
	if (format != AUDIO_PCM) {
		/* "只支持 pcm 格式的流式传输". */
		if (streaming)
			return AUDIO_NOT_STREAMABLE;
		return decoded > COMPRESSED_MAX ? AUDIO_TOO_LONG : AUDIO_OK;
	}
	return decoded >= PCM_MAX_CHUNK ? AUDIO_TOO_LONG : AUDIO_OK;
}

static size_t
hash(const char *s)
{
	size_t h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h % SESSION_BUCKETS;
}

static void
session_free(struct session *s)
{
	free(s->s_key);
	seq_free(&s->s_seqs);
	free(s);
}

static bool
session_expired(const struct session *s, time_t now)
{
	return now - s->s_last > SESSION_IDLE_S;
}

/* Forgets idle sessions; at most once a minute of mock time, or when the
 * clock moved back. */
static void
session_sweep(time_t now)
{
	struct session **sp, *s;
	size_t i;

	if (now >= last_sweep && now - last_sweep < 60)
		return;
	last_sweep = now;
	for (i = 0; i < SESSION_BUCKETS; i++)
		for (sp = &buckets[i]; (s = *sp) != NULL;) {
			if (session_expired(s, now)) {
				*sp = s->s_next;
				session_free(s);
			} else
				sp = &s->s_next;
		}
}

/* The live session of key, or NULL (an expired one is forgotten here). */
static struct session *
session_find(const char *key, time_t now)
{
	struct session **sp, *s;

	for (sp = &buckets[hash(key)]; (s = *sp) != NULL; sp = &s->s_next) {
		if (strcmp(s->s_key, key) != 0)
			continue;
		if (!session_expired(s, now))
			return s;
		*sp = s->s_next;
		session_free(s);
		return NULL;
	}
	return NULL;
}

static struct session *
session_new(const char *key)
{
	struct session *s = xcalloc(1, sizeof *s);
	size_t b = hash(key);

	s->s_key = xstrdup(key);
	s->s_next = buckets[b];
	buckets[b] = s;
	return s;
}

void
speech_clear(void)
{
	struct session *s;
	size_t i;

	for (i = 0; i < SESSION_BUCKETS; i++)
		while ((s = buckets[i]) != NULL) {
			buckets[i] = s->s_next;
			session_free(s);
		}
	last_sweep = 0;
}

/* Check 19 for one chunk: languages, then the audio, then the Seq. */
static bool
speech_rules(struct act_ctx *c, const struct session *s, size_t decoded,
    struct act_result *res)
{
	const char *source = param_str(c, "Source"), *target = param_str(c, "Target");
	long long seq = param_int(c, "Seq", 0);
	bool streaming = speech_streaming(seq, param_int(c, "IsEnd", 0));
	static const struct seq_set none;
	enum lang_check lc;

	if ((lc = lang_pair(LP_SPEECH, source, target)) != LC_OK) {
		lang_error(lc, source, target, c->ac_lang_en, res);
		return false;
	}
	switch (speech_audio_check(param_int(c, "AudioFormat", AUDIO_PCM),
	    streaming, decoded)) {
	case AUDIO_NOT_STREAMABLE:
		act_fail_cat(c, res, "UnsupportedOperation", "Only pcm audio "
		    "(AudioFormat 146: 16 kHz, 16-bit, mono) can be streamed; "
		    "send speex or mp3 whole, as Seq 0 with IsEnd 1.");
		return false;
	case AUDIO_TOO_LONG:
		act_fail_cat(c, res, "UnsupportedOperation.AudioDurationExceed", NULL);
		return false;
	case AUDIO_OK:
		break;
	}
	switch (seq_check(s != NULL ? &s->s_seqs : &none, seq)) {
	case SEQ_DUPLICATE:
		act_fail_cat(c, res, "InvalidParameter.DuplicatedSessionIdAndSeq", NULL);
		return false;
	case SEQ_GAP:
		act_fail_cat(c, res, "InvalidParameter.SeqIntervalTooLarge", NULL);
		return false;
	case SEQ_OK:
		break;
	}
	return true;
}

void
act_speech_translate(struct act_ctx *c, struct act_result *res)
{
	const char *uuid = param_str(c, "SessionUuid"), *data = param_str(c, "Data");
	const char *source = param_str(c, "Source"), *target = param_str(c, "Target");
	long long seq = param_int(c, "Seq", 0);
	bool is_end = param_int(c, "IsEnd", 0) == 1;
	time_t now = clock_now();
	struct session *s;
	json_t *resp;
	char *key, *text;
	size_t decoded;

	/* Data is known to be base64 (schema.c): only its length matters. */
	decoded = (size_t)base64_decoded_len(data, strlen(data));
	key = xasprintf("%s\n%s", c->ac_secret_id != NULL ? c->ac_secret_id : "",
	    uuid);
	session_sweep(now);
	s = session_find(key, now);
	if (!speech_rules(c, s, decoded, res) || !act_gate(c, Q_NONE, 0, res))
		goto out;

	/* Only an accepted chunk is remembered. */
	if (s == NULL)
		s = session_new(key);
	if (s->s_closed) {
		s->s_closed = false;
		s->s_bytes = 0;
		s->s_vad++;
	}
	seq_add(&s->s_seqs, seq);
	s->s_last = now;
	s->s_bytes += (long long)decoded;
	s->s_closed = is_end;

	if (strcmp(source, "zh") == 0)
		text = xasprintf("模拟语音：%lld 字节", s->s_bytes);
	else
		text = xasprintf("mock speech: %lld bytes", s->s_bytes);
	resp = json_object();
	json_object_set_new(resp, "SessionUuid", json_string_take(xstrdup(uuid)));
	json_object_set_new(resp, "RecognizeStatus", json_integer(is_end ? 0 : 1));
	json_object_set_new(resp, "SourceText", json_string(text));
	json_object_set_new(resp, "TargetText", json_string_take(
	    xlate_text(source, target, text, NULL)));
	json_object_set_new(resp, "Seq", json_integer(seq));
	json_object_set_new(resp, "Source", json_string(source));
	json_object_set_new(resp, "Target", json_string(target));
	json_object_set_new(resp, "VadSeq", json_integer(s->s_vad));
	res->ar_resp = resp;
	free(text);
out:
	free(key);
}
