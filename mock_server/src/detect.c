/*
 * detect.c: the language of a text, for LanguageDetect and Source: "auto".
 *
 * Two stages, both over code points decoded here (leniently: a byte that
 * does not start a well-formed sequence is skipped):
 *
 * 1. Script. Every letter is counted by script; digits, punctuation,
 *    spaces, symbols and emoji are not letters and count for nothing. Han,
 *    kana and Hangul count 3 each (one such character carries about as much
 *    text as three alphabetic letters), so a Chinese sentence with one
 *    English word stays Chinese. The heaviest script decides: Han and kana
 *    together are CJK, Japanese when kana make up at least 1/20 of them
 *    (Japanese prose runs well above that, Chinese has none); Hangul ko,
 *    Thai th, Arabic ar, Cyrillic ru, Devanagari hi. A text whose heaviest
 *    script is another one (Greek, Hebrew, ...) or that has no letter at
 *    all gives NULL.
 *
 * 2. Latin. Ten candidates: en fr de es it pt vi tr id ms. Each word
 *    (lower-cased, split at spaces, punctuation, digits and apostrophes)
 *    is looked up in short lists of very common words per language
 *    (articles, pronouns, prepositions, conjunctions, auxiliaries, frequent
 *    adverbs, verbs and nouns). Each word is worth 1, shared among the
 *    languages whose lists have it (by the lists' weights: "y" goes mostly
 *    to es, a little to fr), so shared words ("a", "de", "la", "in") count
 *    little and distinctive ones ("the", "und", "não", "yang") fully.
 *    Distinctive letters add to their languages (vi: ơ ư đ ă and the
 *    stacked tone marks of U+1EA0..U+1EF9; tr: ı ğ ş İ; de: ß ä; es: ñ ¿ ¡;
 *    fr: œ ë ï î û; pt/vi: ã õ; shared ones like é or ç are split among the
 *    languages that use them). Character n-gram cues (padded word
 *    fragments: "sch", "ção", "_th", "yor", ...) add a little each, to
 *    decide sentences with few listed words. The highest total wins; a
 *    Latin text with no evidence at all is taken for English.
 *
 * id and ms share most of their function words. Only words that one of
 * them uses and the other does not (id: bisa, mau, karena, uang, besok,
 * nggak...; ms: boleh, mahu, kerana, wang, esok, tak...) tell them apart;
 * a sentence with none of those is reported as id (the larger language).
 *
 * No allocation, no state: every table is const, the only memory is the
 * stack. At most DETECT_MAX_WORDS words are looked at in stage 2.
 */
#include <stdint.h>
#include <string.h>

#include "tmtmock.h"

#define DETECT_MAX_WORDS 200
#define DETECT_WORD_MAX 48	/* bytes of one lower-cased word */

enum {
	L_EN, L_ES, L_FR, L_DE, L_PT, L_IT, L_VI, L_TR, L_ID, L_MS, L_COUNT
};
#define M(l) (1u << (l))

/* Index order is also the tie-break order. */
static const char *const lang_code[L_COUNT] = {
	"en", "es", "fr", "de", "pt", "it", "vi", "tr", "id", "ms"
};

/*
 * Common words. A word may stand in several entries; its languages are the
 * union of their masks. Apostrophes: "l'homme" is looked up as "l'" and
 * "homme"; a short tail ("it's", "c'è") is looked up as "'s", "'è" first.
 */
struct word_list {
	unsigned	 wl_mask;
	float		 wl_weight;	/* how common the words are there */
	const char	*wl_words;	/* space-separated, lower case */
};

static const struct word_list word_lists[] = {
	{ M(L_EN), 1.0f,
	  "the a an and or but if of to in on at by for with from about into "
	  "over under after before between through during without within up "
	  "down out off as than then so because while when where what who "
	  "whom whose which why how this that these those there here it its i "
	  "me my mine you your yours he him his she her hers we us our they "
	  "them their is are was were be been being am do does did done have "
	  "has had having will would shall should can could may might must "
	  "not yes very too also just only all some any every each many "
	  "much more most few other another such same own one two today "
	  "tomorrow yesterday now always never often sometimes again still "
	  "already please thank thanks sorry hello good bad new old big small "
	  "great little like want need know think go going went come get got "
	  "make made take see look say said tell give find use work time day "
	  "week year people man woman child children friend home house way "
	  "thing something nothing everything anything really well right next "
	  "last first long let 's 't 'm 're 'll 've 'd don' can' won' isn' "
	  "didn' doesn' i' it' that' let' what' ever something someone tonight "
	  "morning evening night water food eat buy pay"
	},
	{ M(L_FR), 1.0f,
	  "le la les l' un une des du de d' et ou mais donc car ni que qu' qui "
	  "quoi dont où ce cet cette ces c' ça cela ceci je j' me m' moi tu te "
	  "t' toi il elle on nous vous ils elles lui leur leurs se s' mon ma "
	  "mes ton ta tes son sa ses notre nos votre vos est sont suis "
	  "sommes êtes était étaient été être ai a avons avez ont avait "
	  "avoir fait faire fais va vais vas allons allez vont aller peut peux "
	  "pouvez veux veut voulez voudrais dois doit faut pas ne n' plus "
	  "jamais rien personne très trop bien aussi encore déjà toujours "
	  "souvent avec sans pour par dans sur sous chez entre vers depuis "
	  "pendant avant après à en au aux si comme quand comment pourquoi "
	  "combien quel quelle quels quelles tout tous toute toutes aujourd' "
	  "demain hier maintenant ici là oui non merci bonjour bonsoir salut "
	  "beaucoup peu petit petite grand grande bon bonne nouveau nouvelle "
	  "autre même chose temps jour jours année ans fois monde vie gens "
	  "homme femme enfant enfants ami amie amis maison voiture travail "
	  "soir matin nuit semaine ville pays eau manger aime voir dit dire "
	  "sais savoir crois pense"
	},
	{ M(L_DE), 1.0f,
	  "der die das den dem des ein eine einen einem einer eines und oder "
	  "aber doch denn sondern weil dass daß wenn als wie ob ich mich mir "
	  "mein meine meinen meinem meiner du dich dir dein deine er ihn ihm "
	  "sein seine seinen sie ihr ihre ihren ihnen es wir uns unser unsere "
	  "euch euer man ist sind bin bist seid war waren gewesen habe hast "
	  "hat haben habt hatte hatten wird werden wirst werde wurde würde "
	  "kann kannst können konnte könnte muss musst müssen soll sollte will "
	  "willst wollen möchte möchten darf nicht kein keine keinen nichts "
	  "auch noch schon nur sehr mehr viel viele immer nie oft wieder jetzt "
	  "heute morgen gestern hier dort ja nein bitte danke hallo gut "
	  "schön groß klein neu neue alt mit ohne für von vom zu zum zur bei "
	  "nach aus auf an am im in über unter vor hinter neben zwischen durch "
	  "gegen um bis seit während was wer wo wann warum wieso wohin woher "
	  "welche welcher welches dieser diese dieses diesen jeder jede alle "
	  "alles etwas ganz gern gerne zeit tag jahr jahre leute mann frau "
	  "kind kinder freund freunde haus arbeit stadt wasser essen gehen "
	  "geht gehe fahren kommen kommt machen macht sagen weiß sehen also "
	  "so abend nacht woche"
	},
	{ M(L_ES), 1.0f,
	  "el la los las lo un una unos unas y pero sino porque que qué "
	  "quien quién quienes cual cuál como cómo cuando cuándo donde dónde "
	  "cuanto cuánto de del a al en con sin por para sobre entre hasta "
	  "desde hacia según contra yo me mi mis mío tú te ti tu tus él ella "
	  "ello ellos ellas le les se su sus nosotros nosotras nos nuestro "
	  "nuestra vosotros usted ustedes es son soy eres somos está están "
	  "estoy estás estamos estaba era fue ser estar han hemos "
	  "había hay tiene tengo tienes tienen tener hace hacer hago voy va "
	  "vas vamos van ir puede puedo puedes quiero quiere no sí ya muy más "
	  "menos mucho mucha muchos muchas poco también tampoco siempre nunca "
	  "todo toda todos todas este esta esto estos estas ese esa eso aquí "
	  "allí ahí hoy mañana ayer ahora después antes luego bien mal bueno "
	  "buena buenos buenas gracias hola adiós nuevo nueva grande pequeño "
	  "otro otra mismo casa tiempo día días año años vez gente hombre "
	  "mujer niño niños amigo amigos trabajo ciudad agua comer noche tarde "
	  "señor cosa"
	},
	{ M(L_PT), 1.0f,
	  "o a os as um uma uns umas e ou mas porque que quem qual como quando "
	  "onde quanto de do da dos das em na nos nas num numa ao aos à às "
	  "com sem por pelo pela pelos pelas para pra sobre entre até desde eu "
	  "me mim meu minha meus minhas tu te ti teu tua você vocês ele ela "
	  "eles elas lhe lhes se seu sua seus suas nós nosso nossa é são sou "
	  "somos está estão estou estava era foi ser estar tem tenho têm temos "
	  "tinha ter há vai vou vamos vão ir pode posso podemos quero quer não "
	  "sim já muito muita muitos muitas mais menos pouco também sempre "
	  "nunca todo toda todos todas este esta isto esse essa isso aquele "
	  "aquela aqui ali hoje amanhã ontem agora depois antes bem mal bom "
	  "boa obrigado obrigada olá tchau novo nova grande pequeno outro "
	  "outra mesmo casa tempo dia dias ano anos vez gente homem mulher "
	  "criança amigo amigos trabalho cidade água comer noite tarde coisa "
	  "fazer faz fiz"
	},
	{ M(L_IT), 1.0f,
	  "il lo la i gli le l' un uno una un' di del dello della dei degli "
	  "delle d' a al allo alla ai agli alle all' da dal dalla dai dall' in "
	  "nel nello nella nei negli nelle nell' su sul sulla sui con per tra "
	  "fra e ed ma però perché che chi cosa come quando dove quanto "
	  "quale io mi tu ti te lui lei noi ci voi vi loro si suo sua suoi "
	  "sue mio mia miei mie tuo tua nostro nostra è 'è sono sei siamo "
	  "siete era erano stato stata essere ho hai ha abbiamo avete hanno "
	  "avere aveva faccio fa fare fatto vado va andare andiamo posso può "
	  "possiamo voglio vuole devo deve non sì già molto molta molti "
	  "molte più meno poco anche ancora sempre mai tutto tutta tutti tutte "
	  "questo questa questi queste quello quella qui qua lì là oggi domani "
	  "ieri adesso ora poi prima dopo bene male buono buona buongiorno "
	  "grazie ciao nuovo nuova grande piccolo altro altra stesso casa "
	  "tempo giorno giorni anno anni volta gente uomo donna bambino "
	  "bambini amico amici lavoro città acqua mangiare sera notte cose c'"
	},
	{ M(L_VI), 1.0f,
	  "và của là không có được những một người này cho với các trong đã "
	  "để khi thì cũng như từ đến về ra vào lại rất nhiều tôi bạn anh chị "
	  "em ông bà chúng ta họ nó mình gì nào đâu sao bao ai đó đây kia hôm "
	  "nay mai qua bây giờ rồi sẽ đang vẫn còn chưa phải nên muốn biết làm "
	  "đi ăn uống xem nói thấy ở trên dưới sau trước nhà năm ngày tháng "
	  "tuần việc tiền nước thời gian rằng nhưng vì nếu mà hay hoặc lắm quá "
	  "tốt đẹp mới cũ lớn nhỏ cảm ơn xin chào vâng dạ học trường sáng tối "
	  "chiều bữa cơm"
	},
	{ M(L_TR), 1.0f,
	  "bir ve bu şu ki için ile gibi kadar çok daha az ne neden "
	  "niçin nasıl nerede nereye zaman kim hangi ben sen biz siz onlar "
	  "beni seni onu bizi bana sana ona bize benim senin onun bizim sizin "
	  "onların var yok değil evet hayır mı mi mu mü ama fakat çünkü eğer "
	  "veya hem her hiç bazı tüm bütün şey şimdi bugün yarın dün sonra "
	  "önce hep artık hala hâlâ henüz yine burada orada iyi kötü güzel "
	  "büyük küçük yeni eski teşekkür teşekkürler merhaba lütfen tamam "
	  "olarak oldu olan olur olacak ediyor ediyorum yapmak yaptı geldi "
	  "gitti gidiyorum istiyorum biliyorum seviyorum ev okul iş gün yıl "
	  "insan adam kadın çocuk arkadaş para su yemek akşam sabah gece hafta"
	},
	{ M(L_ID) | M(L_MS), 1.0f,
	  "yang dan di ke dari ini itu dengan untuk pada adalah akan tidak ada "
	  "juga saya aku kami kita mereka dia ia apa siapa mana sudah belum "
	  "telah sedang masih ingin punya nanti lagi sangat sekali lebih "
	  "paling kalau jika atau namun jadi lalu kemudian oleh bagi tentang "
	  "antara sampai hingga sejak dalam luar atas bawah depan belakang "
	  "sini situ sana hari malam pagi terima kasih selamat tolong maaf "
	  "baik besar kecil baru lama banyak semua setiap tahun bulan minggu "
	  "orang anak rumah sekolah air waktu pergi makan minum tidur kerja "
	  "bekerja jalan beli harga mahal murah cantik kenapa mengapa berapa "
	  "bagaimana seperti hanya anda perlu dapat sebelum sedikit buku "
	  "membaca suka sekarang lihat melihat tetapi kereta"
	},
	{ M(L_ID), 1.0f,
	  "bisa mau karena uang kantor kemarin besok nggak gak enggak aja saja "
	  "sih dong kok banget mobil sepeda teman gimana cuma siang sore kamu "
	  "tapi bikin udah pengen harus senang ketemu dokter polisi toko "
	  "universitas mengerti paham begitu"
	},
	{ M(L_MS), 1.0f,
	  "boleh mahu kerana wang pejabat semalam esok tak awak sahaja hendak "
	  "nak kat betul faham basikal kawan ialah iaitu mesti sikit ramai "
	  "sebab lepas selepas kedai doktor polis universiti petang encik "
	  "macam cakap tengok bas teksi percuma gembira amat tandas"
	},
	/* Words common in other languages' lists, rarer in these: a word
	 * is shared among its languages by these weights. */
	{ M(L_DE), 0.5f, "da" },
	{ M(L_EN), 0.5f, "no" },
	{ M(L_ES), 0.2f, "e u" },
	{ M(L_ES), 0.3f, "o has" },
	{ M(L_ES), 0.4f, "he" },
	{ M(L_ES), 0.5f, "ha" },
	{ M(L_FR), 0.3f, "y es as" },
	{ M(L_IT), 0.3f, "o" },
	{ M(L_IT), 0.5f, "no me" },
	{ M(L_PT), 0.7f, "no" },
	{ M(L_TR), 0.3f, "en" },
	{ M(L_TR), 0.5f, "o de da ya" },
};

/* Letters that point at some of the candidates; the weight is shared
 * among the languages of the mask. Compared after lower-casing. */
struct letter_cue {
	uint32_t	 lc_cp;
	unsigned	 lc_mask;
	float		 lc_weight;
};

static const struct letter_cue letter_cues[] = {
	{ 0x00df, M(L_DE), 1.0f },			/* ß */
	{ 0x00e4, M(L_DE), 0.8f },			/* ä */
	{ 0x00f6, M(L_DE) | M(L_TR), 0.8f },		/* ö */
	{ 0x00fc, M(L_DE) | M(L_TR), 0.8f },		/* ü */
	{ 0x00f1, M(L_ES), 1.0f },			/* ñ */
	{ 0x00bf, M(L_ES), 1.0f },			/* ¿ */
	{ 0x00a1, M(L_ES), 1.0f },			/* ¡ */
	{ 0x0153, M(L_FR), 1.0f },			/* œ */
	{ 0x00eb, M(L_FR), 0.6f },			/* ë */
	{ 0x00ef, M(L_FR), 0.6f },			/* ï */
	{ 0x00ee, M(L_FR), 0.6f },			/* î */
	{ 0x00fb, M(L_FR), 0.6f },			/* û */
	{ 0x00e7, M(L_FR) | M(L_PT) | M(L_TR), 0.6f },	/* ç */
	{ 0x00e2, M(L_FR) | M(L_PT) | M(L_VI), 0.5f },	/* â */
	{ 0x00ea, M(L_FR) | M(L_PT) | M(L_VI), 0.5f },	/* ê */
	{ 0x00f4, M(L_FR) | M(L_PT) | M(L_VI), 0.5f },	/* ô */
	{ 0x00e8, M(L_FR) | M(L_IT) | M(L_VI), 0.5f },	/* è */
	{ 0x00f9, M(L_FR) | M(L_IT) | M(L_VI), 0.5f },	/* ù */
	{ 0x00e0, M(L_FR) | M(L_IT) | M(L_PT) | M(L_VI), 0.5f }, /* à */
	{ 0x00ec, M(L_IT) | M(L_VI), 0.6f },		/* ì */
	{ 0x00f2, M(L_IT) | M(L_VI), 0.6f },		/* ò */
	{ 0x00e9, M(L_FR) | M(L_ES) | M(L_PT) | M(L_IT) | M(L_VI), 0.4f }, /* é */
	{ 0x00e1, M(L_ES) | M(L_PT) | M(L_VI), 0.5f },	/* á */
	{ 0x00ed, M(L_ES) | M(L_PT) | M(L_VI), 0.5f },	/* í */
	{ 0x00f3, M(L_ES) | M(L_PT) | M(L_VI), 0.5f },	/* ó */
	{ 0x00fa, M(L_ES) | M(L_PT) | M(L_VI), 0.5f },	/* ú */
	{ 0x00e3, M(L_PT) | M(L_VI), 0.8f },		/* ã */
	{ 0x00f5, M(L_PT) | M(L_VI), 0.8f },		/* õ */
	{ 0x00fd, M(L_VI), 0.5f },			/* ý */
	{ 0x0103, M(L_VI), 1.0f },			/* ă */
	{ 0x0111, M(L_VI), 1.0f },			/* đ */
	{ 0x0129, M(L_VI), 1.0f },			/* ĩ */
	{ 0x0169, M(L_VI), 1.0f },			/* ũ */
	{ 0x01a1, M(L_VI), 1.0f },			/* ơ */
	{ 0x01b0, M(L_VI), 1.0f },			/* ư */
	{ 0x0309, M(L_VI), 1.0f },			/* combining hook above */
	{ 0x031b, M(L_VI), 1.0f },			/* combining horn */
	{ 0x0323, M(L_VI), 1.0f },			/* combining dot below */
	{ 0x0131, M(L_TR), 1.0f },			/* ı */
	{ 0x011f, M(L_TR), 1.0f },			/* ğ */
	{ 0x015f, M(L_TR), 1.0f },			/* ş */
};

/*
 * Character n-gram cues, matched inside "_word_" ('_' marks the word's
 * edges); each cue found in a word adds CUE_WEIGHT to its languages.
 */
#define CUE_WEIGHT 0.2f
struct ngram_cues {
	unsigned	 nc_mask;
	const char	*nc_cues;	/* space-separated */
};

static const struct ngram_cues ngram_cues[] = {
	{ M(L_EN), "_th th_ _wh ght ing_ ough tion_ ly_ ea ee oo ck sh_ "
	  "_sh ould ay_ ow_ _kn ew_ ness_ ful_ _w" },
	{ M(L_DE), "sch ch_ cht ich_ ei ie _ge ung_ en_ _zu tz eit_ lich "
	  "_st _sp au eu pf _z _w _ver er_ nn_ chen_" },
	{ M(L_FR), "eau aux_ ou oi _qu ez_ ent_ ais_ ait_ eux ille tion_ es_ "
	  "ée _j ment_ gn eil _au" },
	{ M(L_ES), "ción os_ as_ ue ll ado_ ada_ ido_ mente_ rr ie ía ña "
	  "_est dad_ aba_ ando_ ar_ mos_ cia_" },
	{ M(L_IT), "zione gli chi che cc tt zz _gl i_ o_ ss _sc ggi cia cch "
	  "are_ ere_ ire_ ato_ ono_ ando_ ett" },
	{ M(L_PT), "ção ções ões ão nh lh _um ei_ ou_ mente_ inh eu_ ado_ "
	  "ar_" },
	{ M(L_VI), "ng_ nh_ _th _tr _ngh _ng _kh _ph _gi _qu ch_ uy" },
	{ M(L_TR), "ler lar yor ım_ im_ dı dir_ dır_ ın_ mış miş ecek acak "
	  "ız_ iz_ sın sin_ ında inde len_ lan_ dan_ den_ _ç" },
	{ M(L_ID) | M(L_MS), "ng _me _ber _di kan_ an_ _ke ah_ _per nya_ "
	  "_se aa ku_ _ter mu_ ang_ ny _pe" },
};

/* ---- decoding and classifying code points ---- */

/* The next code point of s[*i..len), advancing *i; invalid bytes give
 * U+FFFD (one byte consumed). */
static uint32_t
next_cp(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	size_t need, k;
	uint32_t cp, min;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if ((c & 0xe0) == 0xc0) {
		need = 1;
		cp = c & 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		need = 2;
		cp = c & 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		need = 3;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		(*i)++;
		return 0xfffd;
	}
	if (len - *i <= need) {
		(*i)++;
		return 0xfffd;
	}
	for (k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xc0) != 0x80) {
			(*i)++;
			return 0xfffd;
		}
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		(*i)++;
		return 0xfffd;
	}
	*i += need + 1;
	return cp;
}

enum script {
	SC_NONE,	/* not a letter: digit, punctuation, symbol, emoji */
	SC_MARK,	/* combining mark: part of the letter before it */
	SC_LATIN, SC_HAN, SC_KANA, SC_HANGUL, SC_THAI, SC_ARABIC,
	SC_CYRILLIC, SC_DEVANAGARI, SC_OTHER, SC_COUNT
};

static bool
in(uint32_t cp, uint32_t lo, uint32_t hi)
{
	return cp >= lo && cp <= hi;
}

static enum script
script_of(uint32_t cp)
{
	if (cp < 0x80)
		return (in(cp, 'a', 'z') || in(cp, 'A', 'Z')) ? SC_LATIN :
		    SC_NONE;
	if (in(cp, 0xc0, 0x24f))
		return (cp == 0xd7 || cp == 0xf7) ? SC_NONE : SC_LATIN;
	if (in(cp, 0x1e00, 0x1eff))
		return SC_LATIN;
	if (in(cp, 0x300, 0x36f))
		return SC_MARK;
	if (in(cp, 0x400, 0x52f))
		return in(cp, 0x482, 0x489) ? SC_MARK : SC_CYRILLIC;
	if (in(cp, 0x600, 0x6ff) || in(cp, 0x750, 0x77f) ||
	    in(cp, 0x8a0, 0x8ff) || in(cp, 0xfb50, 0xfdff) ||
	    in(cp, 0xfe70, 0xfefc)) {
		/* Arabic-Indic digits and Arabic punctuation are not letters. */
		if (in(cp, 0x660, 0x66d) || in(cp, 0x6f0, 0x6f9) ||
		    cp == 0x60c || cp == 0x61b || cp == 0x61f ||
		    cp == 0x6d4 || in(cp, 0x600, 0x605))
			return SC_NONE;
		if (in(cp, 0x610, 0x61a) || in(cp, 0x64b, 0x65f) ||
		    cp == 0x670 || in(cp, 0x6d6, 0x6ed))
			return SC_MARK;
		return SC_ARABIC;
	}
	if (in(cp, 0x900, 0x97f)) {
		if (in(cp, 0x964, 0x96f))	/* dandas, digits */
			return SC_NONE;
		if (in(cp, 0x900, 0x903) || in(cp, 0x93a, 0x94f) ||
		    in(cp, 0x951, 0x957) || in(cp, 0x962, 0x963))
			return SC_MARK;
		return SC_DEVANAGARI;
	}
	if (in(cp, 0xe00, 0xe7f)) {
		if (in(cp, 0xe50, 0xe59) || cp == 0xe3f || cp == 0xe4f ||
		    cp == 0xe5a || cp == 0xe5b)	/* digits, baht, marks */
			return SC_NONE;
		return in(cp, 0xe01, 0xe4e) ? SC_THAI : SC_NONE;
	}
	if (in(cp, 0x3040, 0x309f))
		return in(cp, 0x3099, 0x309c) ? SC_MARK : SC_KANA;
	if (in(cp, 0x30a0, 0x30ff))
		return (cp == 0x30a0 || cp == 0x30fb) ? SC_NONE : SC_KANA;
	if (in(cp, 0x31f0, 0x31ff) || in(cp, 0xff66, 0xff9d))
		return SC_KANA;
	if (in(cp, 0x4e00, 0x9fff) || in(cp, 0x3400, 0x4dbf) ||
	    in(cp, 0x20000, 0x2fa1f) || in(cp, 0xf900, 0xfaff) ||
	    cp == 0x3005 || cp == 0x3007)
		return SC_HAN;
	if (in(cp, 0xac00, 0xd7a3) || in(cp, 0x1100, 0x11ff) ||
	    in(cp, 0x3131, 0x318e) || in(cp, 0xa960, 0xa97f) ||
	    in(cp, 0xd7b0, 0xd7ff))
		return SC_HANGUL;
	/* Other letters: their text is in none of the detected languages. */
	if (in(cp, 0x370, 0x3ff) || in(cp, 0x531, 0x587) ||
	    in(cp, 0x5d0, 0x5ea) || in(cp, 0x980, 0xdff) ||
	    in(cp, 0xe81, 0xeff) || in(cp, 0xf00, 0xfff) ||
	    in(cp, 0x1000, 0x109f) || in(cp, 0x10a0, 0x10ff) ||
	    in(cp, 0x1200, 0x137f) || in(cp, 0x1780, 0x17ff))
		return SC_OTHER;
	return SC_NONE;
}

/* Lower case of a Latin code point (the ranges the candidates use). */
static uint32_t
latin_lower(uint32_t c)
{
	if (in(c, 'A', 'Z'))
		return c + 32;
	if (in(c, 0xc0, 0xde) && c != 0xd7)
		return c + 32;
	if (c == 0x130)		/* İ */
		return 'i';
	if (in(c, 0x100, 0x137) || in(c, 0x14a, 0x177) ||
	    in(c, 0x1ea0, 0x1ef9))
		return c | 1;
	if (in(c, 0x139, 0x148) || in(c, 0x179, 0x17e))
		return (c & 1) ? c + 1 : c;
	if (c == 0x178)
		return 0xff;
	if (c == 0x1a0 || c == 0x1af)
		return c + 1;
	return c;
}

static size_t
utf8_put(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static bool
is_apostrophe(uint32_t cp)
{
	return cp == '\'' || cp == 0x2019 || cp == 0x2bc;
}

/* ---- stage 2: scoring Latin words ---- */

/* Is w (len bytes) one of the space-separated words of list? */
static bool
list_has(const char *list, const char *w, size_t len)
{
	const char *p = list;

	while ((p = strstr(p, w)) != NULL) {
		bool start = p == list || p[-1] == ' ';
		bool end = p[len] == ' ' || p[len] == '\0';

		if (start && end)
			return true;
		p += 1;
	}
	return false;
}

/* The weight of w in each language's lists (the largest, 0 if absent);
 * true if any list has it. */
static bool
word_weights(const char *w, size_t len, float weight[L_COUNT])
{
	bool found = false;
	size_t i;
	int l;

	for (l = 0; l < L_COUNT; l++)
		weight[l] = 0;
	for (i = 0; i < sizeof word_lists / sizeof word_lists[0]; i++) {
		if (!list_has(word_lists[i].wl_words, w, len))
			continue;
		found = true;
		for (l = 0; l < L_COUNT; l++)
			if ((word_lists[i].wl_mask & M(l)) &&
			    word_lists[i].wl_weight > weight[l])
				weight[l] = word_lists[i].wl_weight;
	}
	return found;
}

static void
add_mask(float score[L_COUNT], unsigned mask, float weight, bool split)
{
	unsigned n = 0;
	int l;

	if (mask == 0)
		return;
	if (split) {
		for (l = 0; l < L_COUNT; l++)
			if (mask & M(l))
				n++;
		weight /= (float)n;
	}
	for (l = 0; l < L_COUNT; l++)
		if (mask & M(l))
			score[l] += weight;
}

/* padded is "_word_" (plen bytes, NUL-terminated). */
static void
score_ngrams(float score[L_COUNT], const char *padded, size_t plen)
{
	size_t i;

	for (i = 0; i < sizeof ngram_cues / sizeof ngram_cues[0]; i++) {
		const char *p = ngram_cues[i].nc_cues;

		while (*p != '\0') {
			size_t n = strcspn(p, " ");

			if (n > 0 && memmem(padded, plen, p, n) != NULL)
				add_mask(score, ngram_cues[i].nc_mask,
				    CUE_WEIGHT, false);
			p += n;
			p += strspn(p, " ");
		}
	}
}

/*
 * One finished word: w holds "_" + word + "_" + NUL with the word at w+1,
 * wlen bytes. after_apos: the word followed an apostrophe; ends_apos: an
 * apostrophe and a letter follow it.
 */
static void
score_word(float score[L_COUNT], char *w, size_t wlen, bool after_apos,
    bool ends_apos)
{
	char look[DETECT_WORD_MAX + 4];
	float weight[L_COUNT], sum = 0;
	bool found = false;
	int l;

	score_ngrams(score, w, wlen + 2);
	if (ends_apos) {
		memcpy(look, w + 1, wlen);
		look[wlen] = '\'';
		look[wlen + 1] = '\0';
		found = word_weights(look, wlen + 1, weight);
	} else if (after_apos && wlen <= 3) {
		look[0] = '\'';
		memcpy(look + 1, w + 1, wlen);
		look[wlen + 1] = '\0';
		found = word_weights(look, wlen + 1, weight);
	}
	if (!found) {
		memcpy(look, w + 1, wlen);
		look[wlen] = '\0';
		found = word_weights(look, wlen, weight);
	}
	if (!found)
		return;
	/* One word is worth 1 in all, shared by weight among the languages
	 * whose lists have it. */
	for (l = 0; l < L_COUNT; l++)
		sum += weight[l];
	for (l = 0; l < L_COUNT; l++)
		score[l] += weight[l] / sum;
}

static void
score_letter(float score[L_COUNT], uint32_t cp)
{
	size_t i;

	if (in(cp, 0x1ea0, 0x1ef9)) {	/* Vietnamese stacked tone marks */
		score[L_VI] += 1.0f;
		return;
	}
	for (i = 0; i < sizeof letter_cues / sizeof letter_cues[0]; i++)
		if (letter_cues[i].lc_cp == cp) {
			add_mask(score, letter_cues[i].lc_mask,
			    letter_cues[i].lc_weight, true);
			return;
		}
}

static const char *
detect_latin(const unsigned char *s, size_t len)
{
	float score[L_COUNT] = { 0 };
	char w[DETECT_WORD_MAX + 3];	/* "_" word "_" NUL */
	size_t wlen = 0, i = 0, nwords = 0;
	bool too_long = false, after_apos = false;
	int l, best;

	w[0] = '_';
	for (;;) {
		bool end = i >= len || nwords >= DETECT_MAX_WORDS;
		uint32_t cp = end ? ' ' : next_cp(s, len, &i);
		enum script sc;
		bool ends_apos = false;

		sc = script_of(cp);
		if (sc == SC_LATIN || (sc == SC_MARK && wlen > 0)) {
			char u[4];
			size_t n;

			if (cp == 0x130)
				score[L_TR] += 1.0f;	/* İ */
			cp = latin_lower(cp);
			score_letter(score, cp);
			n = utf8_put(cp, u);
			if (wlen + n > DETECT_WORD_MAX)
				too_long = true;
			else {
				memcpy(w + 1 + wlen, u, n);
				wlen += n;
			}
			continue;
		}
		if (cp == 0xbf || cp == 0xa1)	/* ¿ ¡ */
			score_letter(score, cp);
		if (is_apostrophe(cp) && wlen > 0 && i < len) {
			size_t j = i;

			ends_apos = script_of(next_cp(s, len, &j)) == SC_LATIN;
		}
		if (wlen > 0) {
			if (!too_long) {
				w[1 + wlen] = '_';
				w[2 + wlen] = '\0';
				score_word(score, w, wlen, after_apos,
				    ends_apos);
			}
			nwords++;
		}
		after_apos = ends_apos;
		wlen = 0;
		too_long = false;
		if (end)
			break;
	}
	best = L_EN;
	for (l = 0; l < L_COUNT; l++)
		if (score[l] > score[best])
			best = l;
	return lang_code[best];
}

/* ---- stage 1: the script ---- */

const char *
detect_language(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t count[SC_COUNT] = { 0 };
	size_t weight[SC_COUNT], cjk, i = 0;
	int sc, best;

	if (text == NULL || len == 0)
		return NULL;
	while (i < len)
		count[script_of(next_cp(s, len, &i))]++;
	for (sc = 0; sc < SC_COUNT; sc++)
		weight[sc] = count[sc];
	weight[SC_NONE] = weight[SC_MARK] = 0;
	/* Han and kana weigh together: Japanese mixes them. */
	cjk = count[SC_HAN] + count[SC_KANA];
	weight[SC_HAN] = 3 * cjk;
	weight[SC_KANA] = 0;
	weight[SC_HANGUL] *= 3;
	best = SC_LATIN;
	for (sc = 0; sc < SC_COUNT; sc++)
		if (weight[sc] > weight[best])
			best = sc;
	if (weight[best] == 0)
		return NULL;
	switch (best) {
	case SC_LATIN:
		return detect_latin(s, len);
	case SC_HAN:
		return count[SC_KANA] > 0 && count[SC_KANA] * 20 >= cjk ?
		    "ja" : "zh";
	case SC_HANGUL:
		return "ko";
	case SC_THAI:
		return "th";
	case SC_ARABIC:
		return "ar";
	case SC_CYRILLIC:
		return "ru";
	case SC_DEVANAGARI:
		return "hi";
	default:
		return NULL;
	}
}
