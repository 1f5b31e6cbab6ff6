#include "contract-templates/legal_checks.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <span>

#include "contract-templates/internal/values.h"
#include "contract-templates/render.h"

namespace custos::contracts {
namespace {

// Which checks run on which contracts: a check runs when the template's kind
// is listed and the contract's governing law matches the check's law ("US"
// matches every state). Sources and thresholds are data, in legal-rules.json,
// looked up by (rule, law, date).
struct CheckSpec {
  std::string_view id;
  std::string_view law;
  std::array<std::string_view, 3> kinds;
};
constexpr CheckSpec kChecks[] = {
    {"N1", "CN", {"non-compete"}},
    {"N2", "CN", {"non-compete"}},
    {"N3", "CN", {"non-compete"}},
    {"N4", "CN", {"non-compete"}},
    {"N5", "CN", {"non-compete"}},
    {"N6", "CN", {"non-compete"}},
    {"N7", "CN", {"non-compete"}},
    {"N8", "CN", {"non-compete"}},
    {"N9", "CN", {"non-compete", "employee-nda"}},
    // N10 is the employee's: LCL Art. 16 (each party holds a copy signed by
    // both) and the employee's signature. Between two companies (mutual-nda)
    // no labour law applies and no copy is owed by statute; how a company
    // signed is evidence for counsel, not a check of the labour law.
    {"N10", "CN", {"non-compete", "employee-nda"}},
    {"C1", "CN", {"employee-nda", "non-compete", "departure-notice"}},
    {"C2", "CN", {"employee-nda", "mutual-nda"}},
    {"C3", "CN", {"employee-nda"}},
    {"C4", "CN", {"employee-nda"}},
    {"C4", "US", {"employee-nda"}},
    {"C5", "CN", {"mutual-nda"}},
    {"C6", "CN", {"non-compete"}},
    {"U1", "US", {"employee-nda", "mutual-nda"}},
    {"U2", "US", {"employee-nda", "mutual-nda"}},
    {"CA1", "US-CA", {"employee-nda"}},
    {"CA2", "US", {"employee-nda"}},
    {"D1", "CN", {"departure-notice"}},
};

bool LawMatches(std::string_view check_law, std::string_view contract_law) {
  return check_law == contract_law || (check_law == "US" && contract_law.starts_with("US-"));
}

constexpr CivilDate kLatest{9999, 12, 31};

// The filled wording of one included paragraph, with the clause it is in.
struct ActiveText {
  const Clause* clause = nullptr;  // null for preamble/closing
  std::string text;
};

bool HasTag(const Clause& c, std::string_view tag) {
  return std::find(c.tags.begin(), c.tags.end(), tag) != c.tags.end();
}

bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

// ASCII lower-casing for English keyword matching; other bytes unchanged.
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool ContainsAny(std::string_view hay, std::span<const std::string_view> needles) {
  for (std::string_view n : needles) {
    if (Contains(hay, n)) return true;
  }
  return false;
}

// Splits at sentence ends (。；！？ . ; ! ? and line breaks); a sentence
// starts at its first word, not at the space after the previous one.
std::vector<std::string> Sentences(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  size_t i = 0;
  while (i < text.size()) {
    if (cur.empty() && (text[i] == ' ' || text[i] == '\t')) {
      ++i;
      continue;
    }
    bool end = false;
    size_t len = 1;
    for (std::string_view sep : {"。", "；", "！", "？"}) {
      if (text.substr(i, sep.size()) == sep) {
        end = true;
        len = sep.size();
      }
    }
    if (!end && (text[i] == ';' || text[i] == '!' || text[i] == '?' || text[i] == '\n' ||
                 (text[i] == '.' && (i + 1 == text.size() || text[i + 1] == ' ')))) {
      end = true;
    }
    cur.append(text.substr(i, len));
    i += len;
    if (end) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// True when `word` is followed by `target` within `window` bytes.
bool Near(std::string_view s, std::string_view word, std::string_view target, size_t window) {
  for (size_t p = s.find(word); p != std::string_view::npos; p = s.find(word, p + 1)) {
    size_t from = p + word.size();
    size_t q = s.find(target, from);
    if (q != std::string_view::npos && q - from <= window) return true;
  }
  return false;
}

// Whether nothing between `from` and `to` ends a clause (，；。 , ;): the two
// words belong to one statement.
bool SameClause(std::string_view s, size_t from, size_t to) {
  if (to < from) std::swap(from, to);
  std::string_view between = s.substr(from, to - from);
  for (std::string_view sep : {"，", "；", "。", ",", ";"}) {
    if (Contains(between, sep)) return false;
  }
  return true;
}

// Where the clause that holds `from` ends: the next ，；。 , ; or the end.
size_t ClauseEnd(std::string_view s, size_t from) {
  size_t end = s.size();
  for (std::string_view sep : {"，", "；", "。", ",", ";"}) end = std::min(end, s.find(sep, from));
  return end;
}

// True when `word` is followed by `target` within `window` bytes of the same
// clause.
bool NearInClause(std::string_view s, std::string_view word, std::string_view target,
                  size_t window) {
  for (size_t p = s.find(word); p != std::string_view::npos; p = s.find(word, p + 1)) {
    size_t from = p + word.size();
    size_t q = s.find(target, from);
    if (q != std::string_view::npos && q - from <= window && SameClause(s, from, q)) return true;
  }
  return false;
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// No count in a contract has more digits than this; a longer run is a sum,
// a reference number or nonsense, and is not read (nor can it overflow).
constexpr size_t kMaxCountDigits = 6;

// The ASCII digits at the start of `s` as a number and how many there are;
// nullopt when there are none or more than kMaxCountDigits.
std::optional<std::pair<int64_t, size_t>> LeadingDigits(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && IsAsciiDigit(s[n])) ++n;
  if (n == 0 || n > kMaxCountDigits) return std::nullopt;
  int64_t value = 0;
  for (size_t k = 0; k < n; ++k) value = value * 10 + (s[k] - '0');
  return std::pair<int64_t, size_t>(value, n);
}

// A count written at the start of `s` (lower case): digits (36), Chinese
// numerals (三十六, 两, 十二) or English words (thirty-six, six), the words
// optionally followed by the digits in brackets ("thirty-six (36)"), which
// then count. The value and the bytes read, or nullopt.
std::optional<std::pair<int64_t, size_t>> LeadingCount(std::string_view s) {
  size_t i = 0;
  int64_t value = 0;
  if (std::optional<std::pair<int64_t, size_t>> digits = LeadingDigits(s)) return digits;
  if (!s.empty() && IsAsciiDigit(s[0])) return std::nullopt;  // too many digits

  static constexpr std::pair<std::string_view, int> kZhDigits[] = {
      {"零", 0}, {"〇", 0}, {"一", 1}, {"二", 2}, {"两", 2}, {"三", 3},
      {"四", 4}, {"五", 5}, {"六", 6}, {"七", 7}, {"八", 8}, {"九", 9}};
  int64_t current = 0;
  bool any = false;
  bool after_digit = false;  // the last word read was a digit other than 零
  size_t words = 0;          // 九百九十九 is five; a longer run is no count
  for (bool more = true; more && i < s.size();) {
    if (words++ > kMaxCountDigits) return std::nullopt;
    more = false;
    for (const auto& [w, d] : kZhDigits) {
      if (s.substr(i).starts_with(w)) {
        // Digits in a row without a unit (二〇二七, 二零二七) spell a year
        // figure by figure, not a count.
        if (after_digit) return std::nullopt;
        after_digit = d != 0;
        current = d;
        i += w.size();
        more = true;
        break;
      }
    }
    if (more) {
      any = true;
      continue;
    }
    after_digit = false;
    for (const auto& [w, unit] : {std::pair<std::string_view, int>{"十", 10}, {"百", 100}}) {
      if (!more && s.substr(i).starts_with(w)) {
        value += (current == 0 ? 1 : current) * unit;
        current = 0;
        i += w.size();
        more = true;
      }
    }
    any |= more;
  }
  if (any) return std::pair<int64_t, size_t>(value + current, i);

  static constexpr std::string_view kUnits[] = {
      "zero",     "one",     "two",     "three",     "four",     "five",    "six",
      "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",  "thirteen",
      "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static constexpr std::string_view kTens[] = {"twenty", "thirty",  "forty",  "fifty",
                                               "sixty",  "seventy", "eighty", "ninety"};
  auto word_at = [&](size_t at, std::span<const std::string_view> words) -> int {
    for (size_t k = 0; k < words.size(); ++k) {
      size_t end = at + words[k].size();
      if (s.substr(at).starts_with(words[k]) && (end == s.size() || !IsAsciiLetter(s[end]))) {
        return static_cast<int>(k);
      }
    }
    return -1;
  };
  if (int t = word_at(0, kTens); t >= 0) {
    value = 20 + 10 * t;
    i = kTens[t].size();
    if (i < s.size() && (s[i] == '-' || s[i] == ' ')) {
      if (int u = word_at(i + 1, kUnits); u >= 1 && u <= 9) {
        value += u;
        i += 1 + kUnits[u].size();
      }
    }
  } else if (int u = word_at(0, kUnits); u >= 0) {
    value = u;
    i = kUnits[u].size();
  } else {
    return std::nullopt;
  }
  // "thirty-six (36)": the digits in brackets are the figure that counts.
  size_t j = i;
  if (j < s.size() && s[j] == ' ') ++j;
  if (j < s.size() && s[j] == '(') {
    if (std::optional<std::pair<int64_t, size_t>> digits = LeadingDigits(s.substr(j + 1));
        digits && s.substr(j + 1 + digits->second).starts_with(")")) {
      return std::pair<int64_t, size_t>(digits->first, j + 1 + digits->second + 1);
    }
  }
  return std::pair<int64_t, size_t>(value, i);
}

// A length of time in a sentence, in months: 三个月, 6个月, 三年, 两年零六个月,
// 一年半, "six (6) consecutive months", "three years".
struct Duration {
  size_t begin = 0;
  size_t end = 0;
  int64_t months = 0;
};

// Whether `s` ends with a Chinese digit or unit (一, 零, 〇, 十, 百 …).
bool EndsWithZhNumeral(std::string_view s) {
  static constexpr std::string_view kNumerals[] = {"零", "〇", "一", "二", "两", "三", "四",
                                                   "五", "六", "七", "八", "九", "十", "百"};
  for (std::string_view n : kNumerals) {
    if (s.ends_with(n)) return true;
  }
  return false;
}

// No agreed period is longer than this; a larger figure is a misreading
// (a date, a sum), not a duration.
constexpr int64_t kMaxDurationMonths = 100 * 12;

// Whether the count of `len` bytes at `at`, followed by 年, is a calendar year
// rather than a number of years: four digits or more (2027年), or a date
// (27年6月, 二〇二七年六月三十日: 年 followed by a count and 月, not 个月).
bool CalendarYear(std::string_view s, size_t at, size_t len) {
  if (len >= 4 && IsAsciiDigit(s[at]) && IsAsciiDigit(s[at + 3])) return true;
  size_t k = at + len + std::string_view("年").size();
  std::optional<std::pair<int64_t, size_t>> month = LeadingCount(s.substr(k));
  return month && s.substr(k + month->second).starts_with("月");
}

// Every duration in `text`, in order. Reads lower-cased text (English words
// are matched in lower case; other bytes are unchanged by Lower).
std::vector<Duration> Durations(std::string_view text) {
  std::string s = Lower(text);
  std::vector<Duration> out;
  for (size_t i = 0; i < s.size();) {
    const bool ascii_start = static_cast<unsigned char>(s[i]) < 0x80;
    if (ascii_start && i > 0 && (IsAsciiLetter(s[i - 1]) || IsAsciiDigit(s[i - 1]))) {
      ++i;
      continue;
    }
    // Not from the middle of a Chinese numeral (七年 in 二〇二七年).
    if (!ascii_start && EndsWithZhNumeral(std::string_view(s).substr(0, i))) {
      ++i;
      continue;
    }
    std::optional<std::pair<int64_t, size_t>> count = LeadingCount(std::string_view(s).substr(i));
    if (!count) {
      ++i;
      continue;
    }
    const int64_t n = count->first;
    size_t j = i + count->second;
    std::string_view rest = std::string_view(s).substr(j);
    std::optional<Duration> d;
    if (rest.starts_with("个月")) {
      d = Duration{i, j + std::string_view("个月").size(), n};
    } else if (rest.starts_with("年") && !CalendarYear(s, i, count->second)) {
      d = Duration{i, j + std::string_view("年").size(), 12 * n};
      std::string_view after = std::string_view(s).substr(d->end);
      if (after.starts_with("半")) {
        d->months += 6;
        d->end += std::string_view("半").size();
      } else {
        size_t k = d->end + (after.starts_with("又") ? std::string_view("又").size() : 0);
        if (auto more = LeadingCount(std::string_view(s).substr(k));
            more && std::string_view(s).substr(k + more->second).starts_with("个月")) {
          d->months += more->first;
          d->end = k + more->second + std::string_view("个月").size();
        }
      }
    } else {
      // English: "six (6) consecutive months", "one additional month's".
      static constexpr std::string_view kAdjectives[] = {
          "consecutive ", "continuous ", "full ", "calendar ", "additional ", "extra ", "more "};
      size_t k = j;
      while (k < s.size() && s[k] == ' ') ++k;
      for (int rounds = 0; rounds < 2; ++rounds) {
        for (std::string_view a : kAdjectives) {
          if (std::string_view(s).substr(k).starts_with(a)) k += a.size();
        }
      }
      std::string_view unit = std::string_view(s).substr(k);
      if (unit.starts_with("month")) d = Duration{i, k + 5, n};
      if (unit.starts_with("year")) d = Duration{i, k + 4, 12 * n};
    }
    if (d && d->months > kMaxDurationMonths) d.reset();  // not a term anyone agrees
    if (d) {
      out.push_back(*d);
      i = d->end;
    } else {
      i += count->second;
    }
  }
  return out;
}

// Words that name a duty of confidentiality (保密义务, leaking or disclosing
// secrets), as opposed to the non-compete itself. Bare "披露" is left out: a
// non-compete's duty to disclose one's new employer uses it too.
constexpr std::string_view kConfidentialityWords[] = {
    "保密",         "泄露",         "泄密",         "擅自披露",
    "对外披露",     "向第三方披露", "侵犯商业秘密", "侵犯甲方商业秘密",
    "confidential", "disclos"};

bool NamesConfidentiality(std::string_view text) {
  return ContainsAny(Lower(text), kConfidentialityWords);
}

// What stands before the word at `at` in its clause: back to the previous
// comma or colon, at most ten characters, without what is in brackets there —
// "违反保密义务的（不包括过失）应支付违约金" says nothing before 违约金 but 应支付.
std::string ClauseBefore(std::string_view s, size_t at) {
  constexpr size_t kWindow = 30;  // ten CJK characters
  size_t begin = at > kWindow ? at - kWindow : 0;
  for (std::string_view sep : {"，", "、", "：", ",", ":"}) {
    size_t p = s.substr(0, at).rfind(sep);
    if (p != std::string_view::npos && p + sep.size() > begin) begin = p + sep.size();
  }
  std::string before(s.substr(begin, at - begin));
  for (auto [open, close] : {std::pair<std::string_view, std::string_view>{"（", "）"},
                             std::pair<std::string_view, std::string_view>{"(", ")"}}) {
    // A bracket closed here whose opening the window cut off.
    size_t c = before.find(close);
    if (c != std::string::npos && before.substr(0, c).find(open) == std::string::npos) {
      before.erase(0, c + close.size());
    }
    for (size_t o = before.find(open); o != std::string::npos; o = before.find(open, o)) {
      size_t e = before.find(close, o);
      if (e == std::string::npos) break;  // the word itself is in the brackets
      before.erase(o, e + close.size() - o);
    }
  }
  return before;
}

// Whether the penalty word at `at` is denied by what stands before it in its
// clause (ClauseBefore): a sentence such as "本协议不约定违约金，按实际损失赔偿"
// agrees no penalty. `right_before` must end just before the word (无违约金,
// 没有任何违约金); `within` may stand a few words earlier (不适用本协议约定的违约金).
// Verbs that speak of paying a penalty that exists (不支付违约金的, 未按约定支付)
// are not denials and are not listed.
bool PenaltyDenied(std::string_view s, size_t at, std::span<const std::string_view> right_before,
                   std::span<const std::string_view> within) {
  std::string before = ClauseBefore(s, at);
  for (std::string_view w : right_before) {
    if (before.ends_with(w)) return true;
  }
  return ContainsAny(before, within);
}

// An amount of money named in a sentence: 人民币…, or a number (50000, 五万)
// just before 元.
bool NamesSum(std::string_view sentence) {
  if (Contains(sentence, "人民币") || Contains(Lower(sentence), "rmb")) return true;
  static constexpr std::string_view kNumerals[] = {"零", "一", "二", "两", "三", "四", "五", "六",
                                                   "七", "八", "九", "十", "百", "千", "万"};
  for (size_t p = sentence.find("元"); p != std::string_view::npos;
       p = sentence.find("元", p + 1)) {
    if (p == 0) continue;
    char c = sentence[p - 1];
    if ((c >= '0' && c <= '9') || c == ',' || c == '.') return true;
    for (std::string_view n : kNumerals) {
      if (sentence.substr(0, p).ends_with(n)) return true;
    }
  }
  return false;
}

// Whether the fine (罚款, 罚金) at `at` in `sentence` is
// one someone else imposes — an authority, or one the employer suffers or
// bears — rather than one the contract agrees: 被行政机关处以罚款, 行政罚款,
// 致使甲方受到罚款, 甲方因此遭受的罚款, 甲方因乙方泄密而承担的罚金: the one
// who suffers or bears it is 甲方, the party named last but for a cause
// (因乙方). One the employee suffers or bears (乙方将受到罚款, 应承担的罚款)
// is the employer's penalty.
bool FineImposedByOthers(std::string_view sentence, size_t at) {
  static constexpr std::string_view kAuthority[] = {"被",   "行政", "机关", "主管部门",
                                                    "监管", "司法", "法院"};
  static constexpr std::string_view kBorne[] = {"受到", "遭受", "承担的", "承受"};
  std::string near = ClauseBefore(sentence, at);
  if (ContainsAny(near, kAuthority)) return true;
  if (!ContainsAny(near, kBorne)) return false;
  // Who bears it may stand further back in the clause than ClauseBefore sees.
  size_t begin = 0;
  for (std::string_view sep : {"，", "；", "。", ",", ";"}) {
    size_t p = sentence.substr(0, at).rfind(sep);
    if (p != std::string_view::npos) begin = std::max(begin, p + sep.size());
  }
  std::string_view before = sentence.substr(begin, at - begin);
  size_t employee = std::string_view::npos;
  for (size_t p = before.find("乙方"); p != std::string_view::npos;
       p = before.find("乙方", p + 1)) {
    if (!before.substr(0, p).ends_with("因")) employee = p;
  }
  const size_t employer = before.rfind("甲方");
  return employer != std::string_view::npos &&
         (employee == std::string_view::npos || employer > employee);
}

// A sentence that agrees a penalty: one mention at least, not denied, of
//  - 违约金, liquidated damages, penalty, a fine of;
//  - 罚款 or 罚金: an employer has no power to fine, so a fine it agrees is a
//    penalty by another name — unless someone else imposes it (甲方因乙方泄密被
//    行政机关处以罚款的, 乙方赔偿该损失: FineImposedByOthers);
//  - 违约赔偿 of a stated sum (一次性支付违约赔偿人民币50000元): a sum owed for
//    breach whatever the loss. Without a sum (承担违约赔偿责任) it is damages.
bool MentionsPenalty(std::string_view sentence) {
  static constexpr std::string_view kZhRightBefore[] = {
      "无", "无任何", "没有", "没有任何", "不设", "不设置", "不设定", "不约定", "未约定"};
  static constexpr std::string_view kZhWithin[] = {
      "不约定", "未约定", "不设", "不适用", "不收取", "无需支付", "无须支付", "不存在", "不包括"};
  // "no" or "without" only just before the word: "shall without delay pay
  // liquidated damages", "with no further notice pay a penalty" agree one.
  // Not "not" alone: "shall not disclose and shall pay a penalty" agrees one.
  static constexpr std::string_view kEnRightBefore[] = {
      "no ",          "no other ",  "no such ", "no separate ", "without ",
      "without any ", "without a ", "not a ",   "not any ",     "nor any "};
  static constexpr std::string_view kEnWithin[] = {
      "no obligation",          "no liability",        "not be liable", "not liable",
      "not be required to pay", "not required to pay", "exempt from",   "not subject to"};
  for (std::string_view word : {"违约金", "罚款", "罚金"}) {
    for (size_t p = sentence.find(word); p != std::string_view::npos;
         p = sentence.find(word, p + 1)) {
      if (PenaltyDenied(sentence, p, kZhRightBefore, kZhWithin)) continue;
      if (word != "违约金" && FineImposedByOthers(sentence, p)) continue;
      return true;
    }
  }
  if (NamesSum(sentence)) {
    for (size_t p = sentence.find("违约赔偿"); p != std::string_view::npos;
         p = sentence.find("违约赔偿", p + 1)) {
      if (!PenaltyDenied(sentence, p, kZhRightBefore, kZhWithin)) return true;
    }
  }
  std::string lower = Lower(sentence);
  for (std::string_view word : {"liquidated damages", "penalty", "a fine of"}) {
    for (size_t p = lower.find(word); p != std::string::npos; p = lower.find(word, p + 1)) {
      if (!PenaltyDenied(lower, p, kEnRightBefore, kEnWithin)) return true;
    }
  }
  return false;
}

// A fixed sum of damages (赔偿金人民币十万元): not a penalty by name, but courts
// may read an agreed sum owed whatever the loss as one. Counsel should judge;
// the checks only warn.
bool FixedSumDamages(std::string_view sentence) {
  return Contains(sentence, "赔偿金") && NamesSum(sentence);
}

// A region as text, for comparing two writings of it: without whitespace
// and punctuation, so "广东省深圳市、广州市" and "广东省深圳市，广州市" agree.
std::string RegionText(std::string_view text) {
  static constexpr std::string_view kDropped[] = {"，", "、", "。", "；", "：", "“",  "”",
                                                  "‘",  "’",  "（", "）", "《", "》", "【",
                                                  "】", "！", "？", "·",  "—",  "…",  "\u3000"};
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t skip = 0;
    for (std::string_view d : kDropped) {
      if (text.substr(i).starts_with(d)) skip = d.size();
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (skip == 0 && c < 0x80 && (std::isspace(c) != 0 || std::ispunct(c) != 0)) skip = 1;
    if (skip == 0) out += text[i];
    i += skip == 0 ? 1 : skip;
  }
  return out;
}

class Checker {
 public:
  Checker(const Template& t, const FieldValidation& v, const CheckContext& c)
      : t_(t), values_(v.values), ctx_(c) {
    report_.template_id = t.id;
    report_.template_version = t.version;
    report_.field_errors = v.errors;
    CollectText();
  }

  CheckReport Run() {
    if (ctx_.legal_rules == nullptr) {
      report_.findings.push_back(
          {Severity::kError, "R0", "contract-templates/data/legal-rules.json", "",
           "未加载法律规则数据（legal-rules.json），未进行任何检查",
           "the legal rules data (legal-rules.json) was not loaded; no check was run"});
      return std::move(report_);
    }
    law_ = GoverningLaw(t_, values_);
    for (const CheckSpec& spec : kChecks) {
      if (std::find(spec.kinds.begin(), spec.kinds.end(), t_.kind) == spec.kinds.end()) continue;
      if (!LawMatches(spec.law, law_)) continue;
      CivilDate date = spec.id == "N6" ? PeriodStart() : ContractDate();
      rule_ = ctx_.legal_rules->Find(spec.id, spec.law, date);
      rule_id_ = spec.id;
      if (rule_ == nullptr) {
        std::string d = date == kLatest ? std::string("latest") : FormatDate(date);
        Warning(spec.id, "",
                "未核实：规则数据中没有 " + d + " 有效的 " + std::string(spec.id) + "（" +
                    std::string(spec.law) + "）规则，未检查",
                "not verified: the rules data has no " + std::string(spec.id) + " rule for " +
                    std::string(spec.law) + " in force on " + d + "; not checked");
        continue;
      }
      Dispatch(spec.id);
    }
    return std::move(report_);
  }

 private:
  void Dispatch(std::string_view id) {
    static constexpr std::pair<std::string_view, void (Checker::*)()> kRun[] = {
        {"N1", &Checker::N1},   {"N2", &Checker::N2},   {"N3", &Checker::N3},
        {"N4", &Checker::N4},   {"N5", &Checker::N5},   {"N6", &Checker::N6},
        {"N7", &Checker::N7},   {"N8", &Checker::N8},   {"N9", &Checker::N9},
        {"N10", &Checker::N10}, {"C1", &Checker::C1},   {"C2", &Checker::C2},
        {"C3", &Checker::C3},   {"C4", &Checker::C4},   {"C5", &Checker::C5},
        {"C6", &Checker::C6},   {"U1", &Checker::U1},   {"U2", &Checker::U2},
        {"CA1", &Checker::CA1}, {"CA2", &Checker::CA2}, {"D1", &Checker::D1},
    };
    for (const auto& [rid, fn] : kRun) {
      if (rid == id) return (this->*fn)();
    }
    Die("check without an implementation");
  }

  // The date that chooses the rules in force: the contract's date.
  CivilDate ContractDate() const {
    if (ctx_.as_of) return *ctx_.as_of;
    for (std::string_view id : {"sign_date", "effective_date"}) {
      if (const FieldValue* d = Get(id); d != nullptr && d->type == FieldType::kDate) {
        if (ctx_.signed_on_or_after && d->date < *ctx_.signed_on_or_after)
          return *ctx_.signed_on_or_after;
        return d->date;
      }
    }
    return kLatest;
  }

  // N6: the first day of the restricted period, as far as it is known. It
  // starts the day after the employment ends: the last day of employment is
  // still a working day, and a period counted from an event starts the next
  // day (Civil Code Art. 201), as the vault's tracker counts it too.
  CivilDate PeriodStart() const {
    if (ctx_.employment_end) return CivilFromDays(DaysFromCivil(*ctx_.employment_end) + 1);
    if (Choice("period_start") == "other_date") {
      if (const FieldValue* d = Get("start_date"); d != nullptr) return d->date;
    }
    return ContractDate();
  }

  // A threshold of the rule in force; nullopt (and a "not verified" warning)
  // when the data lacks it.
  std::optional<double> Param(std::string_view name) {
    auto it = rule_->params.find(name);
    if (it != rule_->params.end()) return it->second;
    Warning(rule_id_, "", "未核实：规则数据未给出 " + std::string(name) + "，未检查",
            "not verified: the rules data gives no " + std::string(name) + "; not checked");
    return std::nullopt;
  }

  void Add(Severity s, std::string_view rule, std::string field, std::string zh, std::string en) {
    std::string source = "(legal-rules.json: no rule in force)";
    if (rule_ != nullptr) {
      source = rule_->source;
      if (!rule_->verified) source += "（出处未经核实 / source not verified）";
    }
    report_.findings.push_back(
        {s, std::string(rule), std::move(source), std::move(field), std::move(zh), std::move(en)});
  }
  void Error(std::string_view rule, std::string field, std::string zh, std::string en) {
    Add(Severity::kError, rule, std::move(field), std::move(zh), std::move(en));
  }
  void Warning(std::string_view rule, std::string field, std::string zh, std::string en) {
    Add(Severity::kWarning, rule, std::move(field), std::move(zh), std::move(en));
  }

  const FieldValue* Get(std::string_view id) const {
    auto it = values_.find(id);
    return it == values_.end() ? nullptr : &it->second;
  }
  std::string Choice(std::string_view id) const {
    const FieldValue* v = Get(id);
    return v == nullptr ? std::string() : v->text;
  }
  const Money* GetMoney(std::string_view id) const {
    const FieldValue* v = Get(id);
    return v != nullptr && v->type == FieldType::kMoney ? &v->money : nullptr;
  }
  // A field counts only when it exists, has a value and its condition holds
  // (a penalty amount left over with has_penalty=false does not count).
  const FieldValue* Active(std::string_view id) const {
    const FieldDef* def = t_.FindField(id);
    if (def == nullptr) return nullptr;
    if (def->condition && !EvaluateCondition(*def->condition, values_)) return nullptr;
    return Get(id);
  }

  void CollectText() {
    auto fill = [&](std::string_view text) {
      std::string s;
      internal::ScanPlaceholders(
          text, [&](std::string_view piece) { s.append(piece); },
          [&](std::string_view name) {
            const FieldDef* def = t_.FindField(name);
            const FieldValue* v = Get(name);
            if (def != nullptr && v != nullptr) s += FormatValue(t_, *def, *v);
          })
          .IgnoreError();
      return s;
    };
    auto add = [&](const Clause* c, const std::vector<Paragraph>& ps) {
      for (const Paragraph& p : ps) {
        if (p.condition && !EvaluateCondition(*p.condition, values_)) continue;
        text_.push_back({c, fill(p.text)});
      }
    };
    add(nullptr, t_.preamble);
    for (const Clause& c : t_.clauses) {
      if (c.condition && !EvaluateCondition(*c.condition, values_)) continue;
      active_clauses_.push_back(&c);
      add(&c, c.paragraphs);
    }
    add(nullptr, t_.closing);
  }

  bool HasActiveTag(std::string_view tag) const {
    for (const Clause* c : active_clauses_) {
      if (HasTag(*c, tag)) return true;
    }
    return false;
  }

  std::string TaggedText(std::string_view tag) const {
    std::string s;
    for (const ActiveText& a : text_) {
      if (a.clause != nullptr && HasTag(*a.clause, tag)) s += a.text + "\n";
    }
    return s;
  }

  // The sentences of the included wording outside the clauses tagged `tag`:
  // the additional terms and the free-text fields wherever they are filled
  // in, without the template's own statement of what its fields say.
  std::vector<std::string> SentencesOutside(std::string_view tag) const {
    std::vector<std::string> out;
    for (const ActiveText& a : text_) {
      if (a.clause != nullptr && HasTag(*a.clause, tag)) continue;
      for (std::string& s : Sentences(a.text)) out.push_back(std::move(s));
    }
    return out;
  }

  std::string AllText() const {
    std::string s;
    for (const ActiveText& a : text_) s += a.text + "\n";
    return s;
  }

  // --- Non-compete -------------------------------------------------------

  void N1() {
    const FieldValue* months = Get("restricted_months");
    std::optional<double> max = Param("max_months");
    if (months != nullptr && max && static_cast<double>(months->number) > *max) {
      std::string m = std::to_string(static_cast<int64_t>(*max));
      Error(
          "N1", "restricted_months",
          "竞业限制期限为 " + std::to_string(months->number) + " 个月，超过法定上限 " + m + " 个月",
          "the restricted period is " + std::to_string(months->number) +
              " months, longer than the statutory maximum of " + m + " months");
    }
    std::string start = Choice("period_start");
    if (t_.FindField("period_start") != nullptr && start != "employment_end") {
      Error("N1", "period_start", "竞业限制期限应自劳动合同解除或者终止之日起计算",
            "the restricted period must start on the day the employment ends");
    }
    // The same in the other wording (additional terms, free-text fields);
    // the period clause says what the fields above say.
    for (const std::string& s : SentencesOutside("period")) {
      if (std::optional<Duration> d = StatedPeriod(s);
          d && max && static_cast<double>(d->months) > *max) {
        std::string m = std::to_string(static_cast<int64_t>(*max));
        Error("N1", "",
              "条款约定的竞业限制期限为 " + std::to_string(d->months) + " 个月，超过法定上限 " + m +
                  " 个月：“" + s + "”",
              "a term sets the restricted period at " + std::to_string(d->months) +
                  " months, longer than the statutory maximum of " + m + " months: \"" + s + "\"");
      }
      if (std::optional<std::string> from = StartOtherThanEmploymentEnd(s)) {
        Error("N1", "",
              "条款约定竞业限制期限自“" + *from +
                  "”起计算，而竞业限制期限应自劳动合同解除或者终止之日起计算：“" + s + "”",
              "a term starts the restricted period from \"" + *from +
                  "\"; it must start on the day the employment ends: \"" + s + "\"");
      }
    }
  }

  // Words that name the non-compete's own period, and what may stand
  // between them and the length they are given (竞业限制期限延长为三年,
  // "period shall be 36 months"). Not a bare 期限: 保密期限, 劳动合同期限,
  // 本协议期限 and 有效期限 are other periods, which the law does not cap at
  // 24 months nor start at the employment's end.
  static constexpr std::string_view kPeriodWords[] = {"竞业限制期限",
                                                      "竞业限制的期限",
                                                      "竞业期限",
                                                      "竞业限制期",
                                                      "竞业期",
                                                      "限制期",
                                                      "restricted period",
                                                      "restriction period",
                                                      "non-compete period",
                                                      "non-competition period",
                                                      "period of restriction",
                                                      "restricted term"};

  // The length a sentence gives the restricted period: a duration just after
  // a period word in the same clause, linked by 为/是/至/：/"be"/"of"/"to" …
  // ("竞业限制期限延长为三年", "The restricted period shall be thirty-six (36)
  // months."). Not "期限内…三个月" nor "期限届满后三年".
  static std::optional<Duration> StatedPeriod(std::string_view sentence) {
    static constexpr std::string_view kLinks[] = {"为", "是", "至", "到", "：",  ":",   "共",
                                                  "be", "is", "of", "to", "for", "last"};
    constexpr size_t kWindow = 40;
    std::string lower = Lower(sentence);
    std::vector<Duration> durations = Durations(sentence);
    for (std::string_view w : kPeriodWords) {
      for (size_t p = lower.find(w); p != std::string::npos; p = lower.find(w, p + 1)) {
        const size_t e = p + w.size();
        for (const Duration& d : durations) {
          if (d.begin < e || d.begin - e > kWindow || !SameClause(lower, e, d.begin)) continue;
          std::string_view link = std::string_view(lower).substr(e, d.begin - e);
          while (!link.empty() && link.back() == ' ') link.remove_suffix(1);
          bool linked = link.empty();
          for (std::string_view l : kLinks) linked |= link.ends_with(l);
          if (linked) return d;
          break;  // only the first duration after the word
        }
      }
    }
    return std::nullopt;
  }

  // Where a sentence starts the restricted period, when that is not the
  // employment's end: the words between 自/从 and 起/开始 after a period word
  // ("竞业限制期限自乙方提出辞职之日起计算" → "乙方提出辞职之日"), or in English
  // after "from", "commencing", "starting" or "upon". The employment's end is
  // 离职, 劳动合同解除或者终止 (ReleaseWording makes it 离职), 劳动合同期满;
  // a resignation notice, the signing or the agreement's effect is not.
  static std::optional<std::string> StartOtherThanEmploymentEnd(std::string_view sentence) {
    static constexpr std::string_view kZhEnd[] = {"离职", "劳动合同期满", "劳动合同到期",
                                                  "劳动合同届满", "劳动关系结束"};
    static constexpr std::string_view kZhNotEnd[] = {"提出", "申请", "递交", "通知", "预告",
                                                     "签订", "签署", "生效", "入职"};
    static constexpr std::string_view kEnStart[] = {" from ",    " commenc", " starting ",
                                                    " start on", " begin",   " upon "};
    static constexpr std::string_view kEnEnd[] = {"termination", "end of",     "ends",    "leaves",
                                                  "leaving",     "separation", "last day"};
    static constexpr std::string_view kEnNotEnd[] = {"notice",
                                                     "submit",
                                                     "tender",
                                                     "signing",
                                                     "signature",
                                                     "signed",
                                                     "effective date",
                                                     "date of this agreement",
                                                     "execution",
                                                     "hire",
                                                     "commencement of employment"};
    std::string lower = Lower(ReleaseWording(sentence));
    for (std::string_view w : kPeriodWords) {
      for (size_t p = lower.find(w); p != std::string::npos; p = lower.find(w, p + 1)) {
        const size_t e = p + w.size();
        if (static_cast<unsigned char>(w[0]) < 0x80) {  // English
          for (std::string_view m : kEnStart) {
            size_t q = lower.find(m, e);
            if (q == std::string::npos || q - e > 40 || !SameClause(lower, e, q)) continue;
            std::string from = lower.substr(q + 1, ClauseEnd(lower, q) - q - 1);
            if (ContainsAny(from, kEnNotEnd) || !ContainsAny(from, kEnEnd)) return from;
            return std::nullopt;
          }
          continue;
        }
        for (std::string_view m : {"自", "从"}) {
          for (size_t q = lower.find(m, e); q != std::string::npos; q = lower.find(m, q + 1)) {
            if (m == "从" && std::string_view(lower).substr(q).starts_with("从事")) continue;
            size_t stop = std::min(lower.find("起", q), lower.find("开始", q));
            if (stop == std::string::npos || !SameClause(lower, q, stop)) continue;
            // Right after the period word, or a start counted from (起计算, 起算).
            const bool counted = std::string_view(lower).substr(stop).starts_with("起计算") ||
                                 std::string_view(lower).substr(stop).starts_with("起算") ||
                                 std::string_view(lower).substr(stop).starts_with("开始计算");
            if (!(q - e <= 9 && SameClause(lower, e, q)) && !counted) continue;
            std::string from = lower.substr(q + m.size(), stop - q - m.size());
            if (ContainsAny(from, kZhNotEnd) || !ContainsAny(from, kZhEnd)) return from;
            return std::nullopt;
          }
        }
      }
    }
    return std::nullopt;
  }

  // A field filled with a placeholder ("无", "N/A", "/", "待定", "TBD", "-")
  // agrees nothing: the scope or region is as missing as when left blank.
  static bool Placeholder(std::string_view text) {
    static constexpr std::string_view kPlaceholders[] = {
        "无",     "暂无", "待定", "未定", "待补充", "另行约定", "略",
        "不适用", "na",   "none", "nil",  "tbd",    "tba"};
    std::string s = Lower(RegionText(text));
    for (std::string_view mark : {"／", "－", "～"}) {
      for (size_t p = s.find(mark); p != std::string::npos; p = s.find(mark))
        s.erase(p, mark.size());
    }
    if (s.empty()) return true;  // only punctuation: "/", "-", "—"
    return std::find(std::begin(kPlaceholders), std::end(kPlaceholders), s) !=
           std::end(kPlaceholders);
  }

  void N2() {
    struct Wanted {
      std::string_view id;
      std::string_view zh;
      std::string_view en;
    };
    static constexpr Wanted kWanted[] = {
        {"restricted_business", "竞业限制的范围（受限业务）", "the scope (restricted business)"},
        {"restricted_region", "竞业限制的地域", "the region"},
        {"restricted_months", "竞业限制的期限", "the period"},
    };
    for (const Wanted& w : kWanted) {
      const FieldValue* v = Get(w.id);
      if (v == nullptr || !internal::IsTruthy(*v)) {
        Error("N2", std::string(w.id), "未约定" + std::string(w.zh),
              std::string(w.en) + " is not agreed");
      } else if (v->type == FieldType::kText && Placeholder(v->text)) {
        Error("N2", std::string(w.id),
              "未约定" + std::string(w.zh) + "：只填写了“" + v->text + "”，不构成约定",
              std::string(w.en) + " is not agreed: it says only \"" + v->text +
                  "\", which agrees nothing");
      }
    }
  }

  void N3() {
    std::optional<EmployeeCategory> cat = ctx_.employee_category;
    if (!cat) {
      std::string c = Choice("employee_category");
      if (c == "senior_management") cat = EmployeeCategory::kSeniorManagement;
      if (c == "senior_technical") cat = EmployeeCategory::kSeniorTechnical;
      if (c == "confidentiality_duty") cat = EmployeeCategory::kConfidentialityDuty;
      if (c == "other") cat = EmployeeCategory::kOther;
    }
    if (!cat) {
      Warning("N3", "employee_category", "未核实：未说明乙方属于哪类人员",
              "not verified: the employee's category is not given");
    } else if (*cat == EmployeeCategory::kOther) {
      Error("N3", "employee_category",
            "竞业限制仅适用于高级管理人员、高级技术人员和其他负有保密义务的人员",
            "a non-compete may bind only senior management, senior technical staff and others "
            "with a confidentiality duty");
    }
    if (!ctx_.secret_access_record_exists) {
      Warning("N3", "",
              "未核实：未关联乙方知悉或接触商业秘密的记录；乙方从未知悉或接触商业秘密的，"
              "竞业限制条款不生效",
              "not verified: no linked record of trade secrets the employee knew or accessed; a "
              "non-compete has no effect if the employee never did");
    } else if (!*ctx_.secret_access_record_exists) {
      Warning(
          "N3", "",
          "保管库中没有乙方接触商业秘密的记录；乙方从未知悉或接触商业秘密的，竞业限制条款不生效",
          "the vault holds no record of trade secrets the employee accessed; a non-compete "
          "has no effect if the employee never knew or accessed any");
    }
  }

  // A region that is the whole country by name: "中国", "中华人民共和国",
  // "China", "the People's Republic of China", alone or followed by words
  // that keep it whole (中国全境, 中国范围内, 中国（不含港澳台）). A country
  // name before a place (中国广东省深圳市) names that place, not the country.
  static bool WholeCountry(std::string_view region) {
    static constexpr std::string_view kCountries[] = {
        "中华人民共和国", "中国", "我国", "peoplesrepublicofchina", "prchina", "prc", "china"};
    static constexpr std::string_view kWhole[] = {"",     "全境", "范围",   "各地",
                                                  "地区", "不含", "不包括", "除"};
    std::string s = Lower(RegionText(region));
    if (s.starts_with("the")) s.erase(0, 3);
    for (std::string_view country : kCountries) {
      if (!s.starts_with(country)) continue;
      std::string_view rest = std::string_view(s).substr(country.size());
      for (std::string_view w : kWhole) {
        if (w.empty() ? rest.empty() : rest.starts_with(w)) return true;
      }
      return false;
    }
    return false;
  }

  // "境内" alone is not blanket (深圳市境内 is one city): only the country's
  // territory is — 国境内 (中国境内, 我国境内, 全国境内), 大陆境内, 境内外, or a
  // region that begins with 境内 (境内任何地区) — and the country by name.
  void N4() {
    static constexpr std::string_view kBlanket[] = {"全国",
                                                    "全中国",
                                                    "中国境内",
                                                    "中华人民共和国境内",
                                                    "全世界",
                                                    "全球",
                                                    "世界范围",
                                                    "任何地区",
                                                    "所有地区",
                                                    "全行业",
                                                    "所有行业",
                                                    "任何行业",
                                                    "一切行业",
                                                    "任何业务",
                                                    "所有业务",
                                                    "中国大陆",
                                                    "大陆地区",
                                                    "大陆境内",
                                                    "国境内",
                                                    "境内外",
                                                    "境内及境外",
                                                    "境内和境外",
                                                    "国内",
                                                    "海内外",
                                                    "worldwide",
                                                    "nationwide",
                                                    "any business",
                                                    "any industry",
                                                    "all industries",
                                                    "mainland china",
                                                    "throughout china",
                                                    "anywhere in china",
                                                    "all of china",
                                                    "whole of china",
                                                    "entire china"};
    for (std::string_view id : {"restricted_business", "restricted_region"}) {
      const FieldValue* v = Get(id);
      if (v == nullptr) continue;
      std::string lower = Lower(v->text);
      std::string_view trimmed = lower;
      while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) {
        trimmed.remove_prefix(1);
      }
      std::string found;
      for (std::string_view w : kBlanket) {
        if (Contains(lower, w)) {
          found = w;
          break;
        }
      }
      if (found.empty() && id == "restricted_region" && trimmed.starts_with("境内")) found = "境内";
      if (found.empty() && id == "restricted_region" && WholeCountry(v->text)) found = v->text;
      if (found.empty()) continue;
      Warning("N4", std::string(id),
              "范围或地域过宽（“" + found + "”）：超出乙方所知悉商业秘密所能合理覆盖的部分无效",
              "blanket scope or region (\"" + found +
                  "\"): the part beyond what the employee's secrets justify is void");
    }
  }

  void N5() {
    const Money* comp = GetMoney("compensation_monthly");
    if (comp == nullptr || comp->minor_units <= 0) {
      Error("N5", "compensation_monthly", "未约定劳动合同终止后按月支付的经济补偿",
            "no monthly compensation after the employment ends");
    }
    if (t_.FindField("compensation_schedule") != nullptr &&
        Choice("compensation_schedule") != "monthly") {
      Error("N5", "compensation_schedule",
            "经济补偿应在劳动合同解除或者终止后、竞业限制期限内按月支付",
            "compensation must be paid monthly during the restricted period, after the "
            "employment ends");
    }
    // The same in the other wording; the compensation clause says what the
    // fields above say.
    for (const std::string& s : SentencesOutside("compensation")) {
      if (!PaidInEmployment(s) && !NothingPaidAfterLeaving(s)) continue;
      Error("N5", "",
            "条款使竞业限制经济补偿不在劳动合同解除或者终止后按月支付（在职期间随工资支付，或离职"
            "后不再支付）：“" +
                s + "”",
            "a term takes the non-compete compensation out of the monthly payments due after the "
            "employment ends (paid with the salary during employment, or nothing paid after "
            "leaving): \"" +
                s + "\"");
    }
  }

  // The compensation said to be paid with the wages during employment
  // ("竞业限制经济补偿已包含在乙方在职期间的工资中", "included in the Employee's
  // salary") — not when the sentence denies it (不包含在工资中, "not included").
  static bool PaidInEmployment(std::string_view sentence) {
    static constexpr std::string_view kZhIncluded[] = {
        "包含在", "包括在", "含在", "已包含", "已包括", "已含", "计入", "随工资", "一并发放"};
    static constexpr std::string_view kZhWages[] = {"工资", "薪酬", "薪资", "薪金", "报酬", "月薪"};
    static constexpr std::string_view kZhDenied[] = {"不包含", "不包括", "不含", "不计入",
                                                     "并非",   "不属于", "不得", "不视为"};
    static constexpr std::string_view kEnIncluded[] = {
        "included in", "part of",         "paid with", "paid together with",
        "covered by",  "incorporated in", "built into"};
    static constexpr std::string_view kEnWages[] = {"salary", "wage", "remuneration"};
    static constexpr std::string_view kEnDenied[] = {"not included",    "not part of",
                                                     "not be included", "in addition to",
                                                     "not covered",     "separate from"};
    if (Contains(sentence, "补偿") && ContainsAny(sentence, kZhIncluded) &&
        ContainsAny(sentence, kZhWages) && !ContainsAny(sentence, kZhDenied)) {
      return true;
    }
    std::string lower = Lower(sentence);
    return Contains(lower, "compensation") && ContainsAny(lower, kEnIncluded) &&
           ContainsAny(lower, kEnWages) && !ContainsAny(lower, kEnDenied);
  }

  // Nothing paid after the employment ends ("乙方离职后甲方不再另行支付经济补偿",
  // "no further compensation is payable after termination"). Not where the
  // payments stop for another reason: a breach (违反, 未履行), the end of the
  // period (届满), a release (解除 of the non-compete: N7's).
  static bool NothingPaidAfterLeaving(std::string_view sentence) {
    static constexpr std::string_view kZhNoPay[] = {"不再",   "无需",   "无须",     "不必",  "不予",
                                                    "不另行", "不支付", "免于支付", "不负有"};
    static constexpr std::string_view kZhOtherReason[] = {"解除",   "违反", "违约", "未履行",
                                                          "不履行", "届满", "期满"};
    static constexpr std::string_view kEnNoPay[] = {"no further compensation",
                                                    "no compensation",
                                                    "nothing further",
                                                    "not pay any compensation",
                                                    "shall not pay compensation",
                                                    "no non-compete compensation"};
    static constexpr std::string_view kEnAfter[] = {
        "after termination",         "after the termination", "after employment",
        "after the employment",      "post-termination",      "after leaving",
        "after the employee leaves", "upon termination",      "following termination",
        "after separation"};
    static constexpr std::string_view kEnOtherReason[] = {"breach", "release", "expir"};
    std::string r = ReleaseWording(sentence);  // 劳动合同解除或者终止 → 离职
    if (Contains(r, "离职") && !ContainsAny(r, kZhOtherReason)) {
      for (std::string_view w : kZhNoPay) {
        if (NearInClause(r, w, "补偿", 30)) return true;
      }
    }
    std::string lower = Lower(sentence);
    return ContainsAny(lower, kEnNoPay) && ContainsAny(lower, kEnAfter) &&
           !ContainsAny(lower, kEnOtherReason);
  }

  void N6() {
    const Money* comp = GetMoney("compensation_monthly");
    if (comp == nullptr || comp->minor_units <= 0) return;  // N5 already reports it
    std::optional<int64_t> avg = ctx_.average_monthly_wage_minor;
    std::string avg_currency = "CNY";  // the vault's figure is in 分
    if (!avg) {
      if (const Money* m = GetMoney("average_monthly_wage"); m != nullptr) {
        avg = m->minor_units;
        avg_currency = m->currency;
      }
    }
    std::optional<double> share = Param("share_of_average");
    if (!share) return;
    std::string pct = std::to_string(std::llround(*share * 100)) + "%";
    int64_t share_floor = std::llround(static_cast<double>(avg.value_or(0)) * *share);
    if (!avg) {
      Warning("N6", "average_monthly_wage",
              "未核实：未提供乙方离职前十二个月平均工资，无法核对 " + pct + " 的标准",
              "not verified: the 12-month average wage is unknown, so the " + pct +
                  " floor was not checked");
    } else if (avg_currency != comp->currency) {
      // Amounts in two currencies are not compared (no exchange rate is
      // known here): 3 000 USD is not "below" 10 000 CNY.
      Warning("N6", "average_monthly_wage",
              "未核实：平均工资（" + avg_currency + "）与月经济补偿（" + comp->currency +
                  "）币种不同，未核对 " + pct + " 的标准",
              "not verified: the average wage is in " + avg_currency +
                  " and the monthly compensation in " + comp->currency + ", so the " + pct +
                  " floor was not checked");
    } else if (comp->minor_units < share_floor) {
      Warning("N6", "compensation_monthly",
              "月经济补偿 " + internal::FormatAmount(comp->minor_units) +
                  " 低于离职前十二个月平均工资的 " + pct + "（" +
                  internal::FormatAmount(share_floor) + "）",
              "monthly compensation " + internal::FormatAmount(comp->minor_units) + " is below " +
                  pct + " of the 12-month average wage (" + internal::FormatAmount(share_floor) +
                  ")");
    }
    std::string region = ctx_.region_code.value_or(Choice("work_region"));
    std::string why_zh;
    std::string why_en;
    if (region.empty()) {
      why_zh = "未提供工作地行政区划代码";
      why_en = "the work region is not given";
    } else if (ctx_.minimum_wages == nullptr) {
      why_zh = "未加载最低工资标准数据";
      why_en = "no minimum wage table was loaded";
    } else if (comp->currency != "CNY") {
      why_zh = "补偿币种不是人民币";
      why_en = "the compensation is not in CNY";
    }
    if (!why_zh.empty()) {
      Warning("N6", "work_region", "未核实当地最低工资标准：" + why_zh,
              "local minimum wage not verified: " + why_en);
      return;
    }
    // Each month of the restricted period is paid then, so it is compared with
    // the minimum wage in force in that month, not on the signing day: the
    // highest figure in force on any of its days (its first, its last, and
    // every day a new figure took effect in between). Months are counted as
    // the Civil Code counts a period (Art. 202) and the vault's tracker
    // counts them: month i ends on the day of its month matching the day
    // before the period, or on that month's last day when it has none, and
    // the next begins the day after, so no day is skipped or repeated.
    const FieldValue* months = Get("restricted_months");
    int64_t n = months != nullptr && months->number > 0 ? months->number : 1;
    CivilDate start = PeriodStart();
    const CivilDate before = start == kLatest ? kLatest : CivilFromDays(DaysFromCivil(start) - 1);
    for (int64_t i = 0; i < n; ++i) {
      CivilDate first = start;
      CivilDate last = start;
      if (start != kLatest) {
        if (i > 0) {
          first = CivilFromDays(DaysFromCivil(AddMonths(before, static_cast<int>(i))) + 1);
        }
        last = AddMonths(before, static_cast<int>(i + 1));
      }
      std::optional<MinimumWage> floor = HighestMinimumWage(region, first, last);
      if (!floor) {
        Warning("N6", "work_region",
                "未核实当地最低工资标准：最低工资标准数据中没有地区 " + region + " 在 " +
                    FormatDate(first) + " 有效的标准",
                "local minimum wage not verified: the minimum wage table has no entry for "
                "region " +
                    region + " in force on " + FormatDate(first));
        return;
      }
      if (comp->minor_units >= floor->monthly_minor) continue;
      std::string when_zh = start == kLatest ? std::string("现行标准")
                                             : "竞业限制期限第 " + std::to_string(i + 1) +
                                                   " 个月（" + FormatDate(first) + " 起）";
      std::string when_en = start == kLatest
                                ? std::string("the latest figure")
                                : "month " + std::to_string(i + 1) +
                                      " of the restricted period (from " + FormatDate(first) + ")";
      Warning("N6", "compensation_monthly",
              "月经济补偿 " + internal::FormatAmount(comp->minor_units) + " 低于" + when_zh +
                  floor->name_zh + "月最低工资标准 " +
                  internal::FormatAmount(floor->monthly_minor) + "（" +
                  FormatDate(floor->effective) + " 起执行" +
                  (floor->verified ? "" : "；该标准未经核实，请对照官方通知") + "）",
              "monthly compensation " + internal::FormatAmount(comp->minor_units) +
                  " is below the local minimum wage of " + floor->name_en + ", " +
                  internal::FormatAmount(floor->monthly_minor) + " (in force from " +
                  FormatDate(floor->effective) +
                  (floor->verified ? "" : "; figure not verified against the official notice") +
                  "), in " + when_en);
      return;
    }
  }

  // The highest minimum wage for `region` in force on any day from `first`
  // to `last`; nullopt when the table has none on any of them.
  std::optional<MinimumWage> HighestMinimumWage(const std::string& region, CivilDate first,
                                                CivilDate last) const {
    std::vector<CivilDate> days = {first, last};
    for (const MinimumWage& e : ctx_.minimum_wages->entries()) {
      if (first < e.effective && e.effective < last) days.push_back(e.effective);
    }
    std::optional<MinimumWage> best;
    for (CivilDate d : days) {
      std::optional<MinimumWage> w = ctx_.minimum_wages->Find(region, d);
      if (w && (!best || w->monthly_minor > best->monthly_minor)) best = std::move(w);
    }
    return best;
  }

  // N7 reads what a sentence does with the release rights (Interp. (I)
  // Arts. 38-39), after two rewrites: phrases about the employment's end
  // (劳动合同解除或者终止) become 离职, since that 解除 is not the
  // non-compete's; and 终止/提前结束 of the non-compete or of this agreement
  // become 解除, which is what the law calls releasing it. Then:
  //  1. a waiver: 放弃/无权/不得/不享有/不能/不可 shortly before 解除;
  //  2. a release without Art. 39's three extra months: 解除 and a negation
  //     (无需, 不再, 不予 …) shortly before 补偿 — near 补偿, so that a
  //     sentence restating Art. 39 ("乙方…不再履行…，甲方额外支付三个月…补偿")
  //     is not read as a waiver;
  //  3. Art. 38 withheld: the employer's arrears (逾期支付, 拖欠, 欠付,
  //     未支付 …) with the employee still bound (仍应, 继续履行, 不因…免除,
  //     or a waiver word before 解除) — unless the sentence speaks of arrears under three
  //     months, which do not give the release right.
  static std::string ReleaseWording(std::string_view sentence) {
    static constexpr std::pair<std::string_view, std::string_view> kRewrite[] = {
        {"劳动合同解除或者终止", "离职"},
        {"劳动合同解除或终止", "离职"},
        {"劳动关系解除或者终止", "离职"},
        {"劳动关系解除或终止", "离职"},
        {"解除或者终止劳动合同", "离职"},
        {"解除或终止劳动合同", "离职"},
        {"解除或者终止劳动关系", "离职"},
        {"解除或终止劳动关系", "离职"},
        {"解除劳动合同", "离职"},
        {"终止劳动合同", "离职"},
        {"解除劳动关系", "离职"},
        {"终止劳动关系", "离职"},
        {"劳动合同解除", "离职"},
        {"劳动合同终止", "离职"},
        {"劳动关系解除", "离职"},
        {"劳动关系终止", "离职"},
        {"终止竞业限制", "解除竞业限制"},
        {"终止本协议", "解除本协议"},
        {"竞业限制终止", "竞业限制解除"},
        {"本协议终止", "本协议解除"},
        {"提前结束竞业限制", "解除竞业限制"}};
    std::string s(sentence);
    for (const auto& [from, to] : kRewrite) {
      for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
        s.replace(p, from.size(), to);
      }
    }
    return s;
  }

  void N7() {
    static constexpr std::string_view kWaive[] = {"放弃", "无权", "不得", "不享有", "不能", "不可"};
    static constexpr std::string_view kNoPay[] = {"无需",   "无须",   "不必",   "不再",   "不予",
                                                  "不支付", "不另行", "不额外", "无额外", "免除",
                                                  "不要求", "不主张", "不请求", "放弃"};
    static constexpr std::string_view kArrears[] = {
        "逾期支付",     "迟延支付",       "延迟支付",     "拖欠",       "欠付",
        "未支付",       "未付",           "未按时支付",   "未按期支付", "未按约支付",
        "未按约定支付", "未足额支付",     "未能支付",     "停止支付",   "暂停支付",
        "fails to pay", "failure to pay", "late payment", "unpaid",     "non-payment"};
    static constexpr std::string_view kStillBound[] = {
        "仍应",         "仍须",          "仍需",           "仍然应当",
        "继续履行",     "不因",          "不免除",         "不予免除",
        "remain bound", "continue to",   "still bound",    "not relieve",
        "not excuse",   "not discharge", "remain subject", "remains subject"};
    static constexpr std::string_view kUnderThreeMonths[] = {
        "不满三个月", "未满三个月", "不足三个月", "少于三个月", "三个月以内", "三个月内",
        "不满3个月",  "未满3个月",  "不足3个月",  "少于3个月",  "3个月以内",  "3个月内"};
    // English: the non-compete's release, and an employer who pays nothing
    // for it. Not "does not pay": "may release if the Employer does not pay
    // for three months" restates Art. 38.
    static constexpr std::string_view kEnRelease[] = {"release",
                                                      "end the restriction",
                                                      "end the non-compete",
                                                      "terminate the restriction",
                                                      "terminate the non-compete",
                                                      "terminate this agreement",
                                                      "end this agreement",
                                                      "lift the restriction"};
    static constexpr std::string_view kEnNoPay[] = {"without compensation",
                                                    "without any compensation",
                                                    "without paying",
                                                    "without additional",
                                                    "no additional compensation",
                                                    "no compensation",
                                                    "no further compensation",
                                                    "no further payment",
                                                    "owe nothing",
                                                    "nothing further",
                                                    "not owe",
                                                    "shall not pay",
                                                    "need not pay",
                                                    "not be required to pay",
                                                    "not required to pay"};
    // What the three extra months (Art. 39) are written after.
    static constexpr std::string_view kExtra[] = {"额外", "另行支付", "另外支付", "additional",
                                                  "extra"};
    constexpr int64_t kStatutoryMonths = 3;  // Arts. 38 and 39 both say three months
    for (const ActiveText& a : text_) {
      for (const std::string& s : Sentences(a.text)) {
        std::string r = ReleaseWording(s);
        std::string lower = Lower(s);
        const bool releases = Contains(r, "解除") || ContainsAny(lower, kEnRelease);
        bool waive = false;
        for (std::string_view w : kWaive) waive |= Near(r, w, "解除", 18);
        waive |= (Contains(lower, "waive") || Contains(lower, "may not") ||
                  Contains(lower, "no right")) &&
                 (Contains(lower, "release") || Contains(lower, "terminat"));
        bool no_pay = false;
        if (Contains(r, "解除")) {
          for (std::string_view w : kNoPay) no_pay |= Near(r, w, "补偿", 30);
        }
        no_pay |= ContainsAny(lower, kEnRelease) && ContainsAny(lower, kEnNoPay);
        // In arrears a waiver may stand further from its 解除
        // ("不得以甲方未支付经济补偿为由解除").
        bool barred = false;
        for (std::string_view w : kWaive) barred |= Near(r, w, "解除", 48);
        const bool arrears = ContainsAny(lower, kArrears);
        const bool still_bound =
            ContainsAny(lower, kStillBound) || NearInClause(r, "不影响", "履行", 12) || barred;
        bool bound_in_arrears = arrears && still_bound && !ContainsAny(s, kUnderThreeMonths);
        if (waive || no_pay || bound_in_arrears) {
          Error("N7", "",
                "条款排除了法定的竞业限制解除权（用人单位拖欠三个月补偿时劳动者可解除；"
                "用人单位提前解除须额外支付三个月补偿）：“" +
                    s + "”",
                "a term waives the statutory release rights (employee may release after 3 "
                "unpaid months; employer releasing early owes 3 extra months): \"" +
                    s + "\"");
          continue;
        }
        if (!releases) continue;
        const std::vector<Duration> durations = Durations(s);
        // Art. 38 put off: the employee may release only after more arrears
        // than three months ("连续六个月未支付经济补偿的，乙方方可解除").
        if (arrears) {
          if (std::optional<Duration> d = NearestDuration(lower, kArrears, durations);
              d && d->months > kStatutoryMonths) {
            Error("N7", "",
                  "条款把劳动者解除竞业限制的条件改为用人单位欠付 " + std::to_string(d->months) +
                      " 个月经济补偿，长于法定的三个月：“" + s + "”",
                  "a term lets the employee release the non-compete only after " +
                      std::to_string(d->months) +
                      " months of unpaid compensation; the law gives that right after 3: \"" + s +
                      "\"");
            continue;
          }
        }
        // Art. 39 cut short: the employer releasing early pays fewer extra
        // months than three ("额外支付乙方一个月的经济补偿").
        if (std::optional<Duration> d = NearestDuration(lower, kExtra, durations);
            d && d->months < kStatutoryMonths) {
          Error("N7", "",
                "条款约定用人单位提前解除竞业限制时只额外支付 " + std::to_string(d->months) +
                    " 个月经济补偿，少于法定的三个月：“" + s + "”",
                "a term lets the employer release the non-compete early for " +
                    std::to_string(d->months) +
                    " extra month(s) of compensation; the law requires 3: \"" + s + "\"");
        }
      }
    }
  }

  // The duration nearest to one of `words` in `lower` — in the same clause,
  // at most ten characters away (or around the word: "one additional
  // month") — or nullopt.
  static std::optional<Duration> NearestDuration(std::string_view lower,
                                                 std::span<const std::string_view> words,
                                                 const std::vector<Duration>& durations) {
    constexpr size_t kWindow = 30;  // ten CJK characters
    std::optional<Duration> best;
    size_t best_gap = kWindow + 1;
    for (std::string_view w : words) {
      for (size_t p = lower.find(w); p != std::string_view::npos; p = lower.find(w, p + 1)) {
        const size_t end = p + w.size();
        for (const Duration& d : durations) {
          size_t gap = 0;
          if (d.begin >= end) {
            gap = d.begin - end;
          } else if (d.end <= p) {
            gap = p - d.end;
          }  // else the word is inside the duration: gap 0
          if (gap < best_gap && SameClause(lower, std::min(end, d.begin), std::max(p, d.end))) {
            best = d;
            best_gap = gap;
          }
        }
      }
    }
    return best;
  }

  void N8() {
    const FieldValue* penalty = Active("penalty_amount");
    const Money* comp = GetMoney("compensation_monthly");
    const FieldValue* months = Get("restricted_months");
    if (penalty == nullptr || comp == nullptr || months == nullptr) return;
    int64_t total = comp->minor_units * months->number;
    if (total <= 0) return;  // N5 / N2 report it
    if (penalty->money.currency != comp->currency) {
      Warning("N8", "penalty_amount",
              "未核实：违约金（" + penalty->money.currency + "）与经济补偿（" + comp->currency +
                  "）币种不同，未比较二者的高低",
              "not verified: the penalty is in " + penalty->money.currency +
                  " and the compensation in " + comp->currency + ", so they were not compared");
      return;
    }
    std::optional<double> ratio = Param("penalty_to_compensation_ratio");
    if (ratio &&
        static_cast<double>(penalty->money.minor_units) > *ratio * static_cast<double>(total)) {
      Warning("N8", "penalty_amount",
              "违约金 " + internal::FormatAmount(penalty->money.minor_units) +
                  " 远高于经济补偿总额 " + internal::FormatAmount(total) +
                  "，可能被认定为过分高于损失而被调减",
              "the penalty " + internal::FormatAmount(penalty->money.minor_units) +
                  " is large against the total compensation " + internal::FormatAmount(total) +
                  " and may be reduced as excessive");
    }
  }

  void N9() {
    std::string forum = Choice("dispute_forum");
    if (t_.FindField("dispute_forum") != nullptr && forum != "labour_arbitration") {
      Error("N9", "dispute_forum", "劳动争议须先申请劳动争议仲裁，不得约定直接起诉或商事仲裁",
            "labour disputes must go to labour arbitration first; a direct court or commercial "
            "arbitration clause bypasses it");
    }
    // The commission named in the template's labour-arbitration clause must
    // be one: a court or another arbitration body there sends the dispute past
    // labour arbitration however the clause around it reads.
    if (forum.empty() || forum == "labour_arbitration") {
      if (const FieldValue* c = Get("arbitration_commission"); c != nullptr) {
        std::string named = Lower(c->text);
        const bool court = ContainsAny(
            named, std::initializer_list<std::string_view>{"法院", "法庭", "court", "tribunal"});
        const bool other_body =
            ContainsAny(named, std::initializer_list<std::string_view>{"仲裁", "arbitra"}) &&
            !ContainsAny(named, std::initializer_list<std::string_view>{"劳动", "labour", "labor"});
        if (court || other_body) {
          Error("N9", "arbitration_commission",
                "劳动争议仲裁机构填写为“" + c->text + "”，" +
                    (court ? "这是法院，不是" : "这不是") +
                    "劳动人事争议仲裁委员会；劳动争议须先申请劳动争议仲裁",
                "the labour arbitration commission is given as \"" + c->text + "\", which is " +
                    (court ? "a court, not" : "not") +
                    " a labour dispute arbitration commission; labour disputes must go to labour "
                    "arbitration first");
          return;
        }
      }
    }
    static constexpr std::string_view kBypass[] = {
        "直接向人民法院",   "直接向法院",   "直接起诉", "不经劳动争议仲裁",      "不经劳动仲裁",
        "无需经过劳动仲裁", "无需劳动仲裁", "商事仲裁", "国际经济贸易仲裁委员会"};
    for (const ActiveText& a : text_) {
      for (std::string_view w : kBypass) {
        if (Contains(a.text, w)) {
          Error("N9", "", "争议条款绕开了劳动争议仲裁（“" + std::string(w) + "”）",
                "the dispute terms bypass labour arbitration (\"" + std::string(w) + "\")");
          return;
        }
      }
    }
    for (const ActiveText& a : text_) {
      for (const std::string& sentence : Sentences(a.text)) {
        if (CompelledDisclosure(sentence)) continue;
        if (std::string body = NonLabourArbitrationBody(sentence); !body.empty()) {
          Error("N9", "",
                "争议条款约定由劳动人事争议仲裁委员会以外的仲裁机构（“" + body +
                    "”）仲裁，绕开了劳动争议仲裁：“" + sentence + "”",
                "the dispute terms send disputes to an arbitration body other than a labour "
                "dispute arbitration commission (\"" +
                    body + "\"), bypassing labour arbitration: \"" + sentence + "\"");
          return;
        }
        if (SendsDisputesToCourt(sentence)) {
          Error("N9", "",
                "争议条款约定由人民法院管辖或者直接起诉，未经劳动争议仲裁：“" + sentence + "”",
                "the dispute terms send disputes to a court without labour arbitration first: \"" +
                    sentence + "\"");
          return;
        }
        if (FinalAward(sentence)) {
          Error("N9", "",
                "争议条款约定仲裁裁决为终局裁决，排除了对仲裁裁决不服时向人民法院起诉的权利：“" +
                    sentence + "”",
                "the dispute terms make the arbitral award final, taking away the right to sue "
                "in court after labour arbitration: \"" +
                    sentence + "\"");
          return;
        }
      }
    }
  }

  // A sentence about disclosing information (披露, "disclose") that names no
  // dispute: a court or tribunal there orders the disclosure ("If required
  // by a court in legal proceedings to disclose …", 人民法院在诉讼中依法要求
  // 披露的), it does not hear the parties' disputes.
  static bool CompelledDisclosure(std::string_view s) {
    static constexpr std::string_view kDisclosure[] = {"披露", "disclos"};
    static constexpr std::string_view kDispute[] = {"争议", "纠纷", "dispute"};
    std::string lower = Lower(s);
    return ContainsAny(lower, kDisclosure) && !ContainsAny(lower, kDispute);
  }

  // The name of an arbitration body in a sentence about disputes that is not
  // a labour dispute arbitration commission, or "". A body is a name ending
  // in 仲裁委员会, 仲裁院, 仲裁中心 or 仲裁机构, read back to the previous
  // punctuation or 或; it is a labour one when that name says 劳动
  // (劳动争议仲裁委员会, 劳动人事争议仲裁委员会). Only labour arbitration
  // commissions hear labour disputes first (Labour Dispute Mediation and
  // Arbitration Law Art. 5); any other body — 上海仲裁委员会, 深圳国际仲裁院,
  // CIETAC — bypasses them. A bare 仲裁委员会/仲裁机构 with no name before it
  // is left alone: it does not say which.
  static std::string NonLabourArbitrationBody(std::string_view s) {
    if (!Contains(s, "争议") && !Contains(s, "纠纷")) return EnglishArbitrationBody(s);
    static constexpr std::string_view kBodies[] = {"仲裁委员会", "仲裁院", "仲裁中心", "仲裁机构"};
    static constexpr std::string_view kSeparators[] = {
        "，", "、", "；", "：", "。", "（", "）", "“",  "”",    "《",  "》",
        ",",  ";",  ":",  "(",  ")",  " ",  "或", "向", "提交", "交由"};
    size_t floor = 0;  // the end of the previous body
    for (size_t pos = 0; pos < s.size();) {
      size_t at = std::string_view::npos;
      std::string_view suffix;
      for (std::string_view b : kBodies) {
        size_t p = s.find(b, pos);
        if (p < at) {
          at = p;
          suffix = b;
        }
      }
      if (at == std::string_view::npos) break;
      size_t begin = floor;
      for (std::string_view sep : kSeparators) {
        size_t p = s.substr(0, at).rfind(sep);
        if (p != std::string_view::npos && p + sep.size() > begin) begin = p + sep.size();
      }
      std::string_view name = s.substr(begin, at - begin);
      if (!name.empty() && !Contains(name, "劳动")) return std::string(name) + std::string(suffix);
      floor = pos = at + suffix.size();
    }
    return EnglishArbitrationBody(s);
  }

  // The same in English: the name of an arbitration body a sentence refers
  // or submits something to ("the Shanghai International Arbitration
  // Center", CIETAC), read back to the previous punctuation, "to", "the",
  // "by" or "or"; a labour (labor) dispute arbitration commission is the
  // right one. "" when there is none.
  static std::string EnglishArbitrationBody(std::string_view s) {
    static constexpr std::string_view kReferral[] = {
        "dispute", "claim", "controvers", "refer", "submit", "settle", "resolve", "arbitrate"};
    static constexpr std::string_view kBodies[] = {"arbitration center",
                                                   "arbitration centre",
                                                   "arbitration commission",
                                                   "arbitration court",
                                                   "court of arbitration",
                                                   "court of international arbitration",
                                                   "arbitration institute",
                                                   "arbitration association",
                                                   "arbitral institution",
                                                   "cietac",
                                                   "hkiac",
                                                   "shiac"};
    static constexpr std::string_view kSeparators[] = {
        ",", ";", ":", "(", ")", " to ", " the ", " by ", " or ", " before ", " with "};
    std::string lower = Lower(s);
    if (!ContainsAny(lower, kReferral)) return "";
    for (std::string_view body : kBodies) {
      for (size_t at = lower.find(body); at != std::string::npos; at = lower.find(body, at + 1)) {
        size_t begin = 0;
        for (std::string_view sep : kSeparators) {
          size_t p = lower.substr(0, at).rfind(sep);
          if (p != std::string::npos && p + sep.size() > begin) begin = p + sep.size();
        }
        std::string_view name = std::string_view(lower).substr(begin, at - begin);
        if (Contains(name, "labour") || Contains(name, "labor")) continue;
        return std::string(s.substr(begin, at + body.size() - begin));
      }
    }
    return "";
  }

  // A sentence that puts disputes before a court (人民法院管辖, 向法院提起诉讼,
  // "submitted to the people's court") and says nothing of arbitration
  // (仲裁, 裁决, "arbitration", "award"): the court comes only after labour
  // arbitration ("对仲裁裁决不服的，可以向人民法院提起诉讼" names it). A claim
  // in tort for infringing trade secrets may go to court directly, so a
  // sentence about infringement is left alone — unless it sends disputes
  // (争议, 纠纷, "dispute") there.
  static bool SendsDisputesToCourt(std::string_view s) {
    static constexpr std::string_view kCourt[] = {"法院", "court"};
    static constexpr std::string_view kLitigation[] = {
        "争议",         "纠纷",    "管辖", "起诉",        "诉讼",         "dispute",
        "jurisdiction", "litigat", " sue", "proceedings", "submitted to", "referred to"};
    static constexpr std::string_view kArbitration[] = {"仲裁", "裁决", "arbitra", "award"};
    static constexpr std::string_view kInfringement[] = {"侵权", "侵犯", "infring", "tort"};
    static constexpr std::string_view kDispute[] = {"争议", "纠纷", "dispute"};
    std::string lower = Lower(s);
    if (!ContainsAny(lower, kCourt) || !ContainsAny(lower, kLitigation)) return false;
    if (ContainsAny(lower, kArbitration)) return false;
    return !ContainsAny(lower, kInfringement) || ContainsAny(lower, kDispute);
  }

  // After labour arbitration a party who disagrees may sue in court, except
  // where the law itself makes the award final (Art. 5; Art. 47 lists the
  // few awards final for the employer) — the parties cannot agree that. A clause that makes the
  // award final (终局, 一裁终局, "final and binding") takes that right away; one that cites Art. 47
  // (第四十七条) restates the law and is left alone.
  static bool FinalAward(std::string_view s) {
    std::string lower = Lower(s);
    if (Contains(s, "第四十七条") || Contains(lower, "article 47")) return false;
    return (Contains(s, "仲裁") && Contains(s, "终局")) ||
           (Contains(lower, "arbitra") &&
            (Contains(lower, "final and binding") || Contains(lower, "final award")));
  }

  void N10() {
    if (!ctx_.employee_signed && !ctx_.employer_signed && !ctx_.signature_reliable &&
        !ctx_.copy_delivered) {
      return;  // not signed yet: nothing to check
    }
    if (ctx_.employee_signed == false) {
      Error("N10", "", "乙方（劳动者）尚未签署", "the employee has not signed");
    }
    if (ctx_.employer_signed == false) {
      Error("N10", "", "甲方（用人单位）尚未签署（盖章）", "the employer has not signed");
    }
    if (ctx_.signature_reliable == false) {
      Error("N10", "", "签名不可靠：签署后对文件的改动无法被发现",
            "the signature is not reliable: later changes to the document would not be "
            "detectable");
    }
    if (ctx_.copy_delivered == false) {
      Error("N10", "", "尚未向劳动者交付协议文本并留存记录",
            "the employee's copy has not been delivered and recorded");
    }
  }

  // --- NDA ---------------------------------------------------------------

  // LCL Art. 25: an employer may agree a penalty with an employee only for a
  // training service period or a non-compete. In an employee NDA every
  // penalty secures confidentiality; in the other employee documents (a
  // non-compete, a departure notice) a penalty is an error when it secures a
  // duty of confidentiality, while one for breach of the non-compete itself
  // stays allowed (C6 warns about other duties).
  void C1() {
    if (t_.kind != "employee-nda") {
      PenaltyForConfidentiality();
      return;
    }
    bool penalty = HasActiveTag("penalty") || Active("penalty_amount") != nullptr;
    for (const ActiveText& a : text_) {
      for (const std::string& sentence : Sentences(a.text)) {
        if (MentionsPenalty(sentence)) penalty = true;
      }
    }
    if (penalty) {
      Error("C1", "",
            "劳动者保密协议不得约定违约金（仅服务期和竞业限制可以约定）；应约定赔偿实际损失",
            "an employee NDA may not impose a penalty (only a training service period or a "
            "non-compete may); provide for damages instead");
      return;
    }
    FixedSumForConfidentiality(/*only_with_confidentiality_words=*/false);
  }

  // A warning for counsel: a fixed sum of 赔偿金 for breach of confidentiality.
  void FixedSumForConfidentiality(bool only_with_confidentiality_words) {
    for (const ActiveText& a : text_) {
      for (const std::string& sentence : Sentences(a.text)) {
        if (!FixedSumDamages(sentence)) continue;
        if (only_with_confidentiality_words && !NamesConfidentiality(sentence)) continue;
        Warning("C1", "",
                "违反保密义务约定了固定数额的赔偿金：“" + sentence +
                    "”；不论实际损失多少均须支付的固定金额可能被认定为变相的违约金，请律师审阅",
                "a fixed sum of damages for breach of confidentiality: \"" + sentence +
                    "\"; a sum owed whatever the loss may be held a penalty in disguise; have "
                    "counsel review it");
        return;
      }
    }
  }

  void PenaltyForConfidentiality() {
    // The template's penalty secures the scope clause: a confidentiality duty
    // written into the scope is then secured by it too.
    if (Active("penalty_amount") != nullptr) {
      for (const ActiveText& a : text_) {
        if (a.clause == nullptr || !HasTag(*a.clause, "scope")) continue;
        if (!NamesConfidentiality(a.text)) continue;
        Error("C1", "penalty_amount",
              "违约金所担保的竞业限制范围中包含保密义务：“" + a.text +
                  "”；劳动者违约金只能就服务期和竞业限制约定，违反保密义务应约定赔偿实际损失",
              "the non-compete scope that the penalty secures includes a duty of "
              "confidentiality: \"" +
                  a.text +
                  "\"; an employee penalty may only secure a training service period or a "
                  "non-compete; provide for damages for breach of confidentiality");
        return;
      }
    }
    for (const ActiveText& a : text_) {
      for (const std::string& sentence : Sentences(a.text)) {
        if (!MentionsPenalty(sentence) || !NamesConfidentiality(sentence)) continue;
        Error("C1", "",
              "违约金用于担保保密义务：“" + sentence +
                  "”；劳动者违约金只能就服务期和竞业限制约定，违反保密义务应约定赔偿实际损失",
              "a penalty secures a duty of confidentiality: \"" + sentence +
                  "\"; an employee penalty may only secure a training service period or a "
                  "non-compete; provide for damages for breach of confidentiality");
        return;
      }
    }
    FixedSumForConfidentiality(/*only_with_confidentiality_words=*/true);
  }

  void C2() {
    bool employee = t_.kind == "employee-nda";
    if (!HasActiveTag("survival")) {
      Error("C2", "",
            employee ? "缺少离职后保密义务继续有效的条款" : "缺少协议终止后保密义务继续有效的条款",
            employee ? "no clause keeps the duty of confidentiality after the employment ends"
                     : "no clause keeps the duty of confidentiality after the agreement ends");
    }
    if (!HasActiveTag("return-on-exit")) {
      Error("C2", "",
            employee ? "缺少离职时返还或删除全部涉密资料的条款"
                     : "缺少合作结束时返还或删除全部保密资料的条款",
            employee ? "no clause requires return or deletion of all materials on exit"
                     : "no clause requires return or deletion of all materials when the "
                       "cooperation ends");
    }
    // Wording elsewhere (additional terms) that takes back what those
    // clauses say: the clause is there, but the contract no longer does it.
    for (const std::string& s : SentencesOutside("survival")) {
      if (!EndsDutyOnLeaving(s)) continue;
      Error("C2", "",
            std::string(employee ? "条款使保密义务在乙方离职时终止"
                                 : "条款使保密义务在合作结束时终止") +
                "，保密义务应当在此后继续有效：“" + s + "”",
            std::string(employee ? "a term ends the duty of confidentiality when the employment "
                                   "ends"
                                 : "a term ends the duty of confidentiality when the cooperation "
                                   "ends") +
                "; it must continue after that: \"" + s + "\"");
      break;
    }
    for (const std::string& s : SentencesOutside("return-on-exit")) {
      if (!ExcusesReturn(s, employee)) continue;
      Error("C2", "", "条款免除了返还或删除涉密资料的义务：“" + s + "”",
            "a term excuses the return or deletion of confidential materials: \"" + s + "\"");
      break;
    }
  }

  // A sentence that ends the duty of confidentiality when the employment or
  // the cooperation ends ("乙方离职后，本协议约定的保密义务即行终止", "The
  // confidentiality obligations terminate upon termination of employment").
  // Not one that keeps it (不因…免除, 继续有效, "survive"), ends it when the
  // information becomes public, or gives it a term of its own (离职后二年).
  static bool EndsDutyOnLeaving(std::string_view sentence) {
    static constexpr std::string_view kLeaving[] = {
        "离职",       "合作结束", "合作终止",  "合作事项终止", "合作期满",
        "employment", "leaves",   "departure", "separation",   "resign"};
    static constexpr std::string_view kDuty[] = {"保密义务",
                                                 "保密责任",
                                                 "confidentiality obligation",
                                                 "obligations of confidentiality",
                                                 "duty of confidentiality",
                                                 "confidentiality dut"};
    static constexpr std::string_view kEnds[] = {
        "终止",     "失效",      "解除", "免除",  "结束",   "不再有效", "不再履行",
        "不再承担", "terminate", " end", "cease", "expire", "lapse"};
    static constexpr std::string_view kNoLonger[] = {"无需", "无须", "不必", "不再"};
    static constexpr std::string_view kKept[] = {
        "不因", "继续", "仍",      "不免除",   "不终止",        "不得",   "并不",   "违反",
        "公众", "公开", "survive", "continue", "not terminate", "remain", "public", "breach"};
    std::string lower = Lower(ReleaseWording(sentence));  // 劳动合同解除或者终止 → 离职
    if (!ContainsAny(lower, kLeaving) || ContainsAny(lower, kKept)) return false;
    if (!Durations(sentence).empty()) return false;  // a term of its own
    for (std::string_view duty : kDuty) {
      for (std::string_view end : kEnds) {
        if (NearInClause(lower, duty, end, 30)) return true;
      }
      for (std::string_view w : kNoLonger) {
        if (NearInClause(lower, w, duty, 15)) return true;  // 离职后无需再履行保密义务
      }
    }
    return false;
  }

  // A sentence that excuses returning or deleting the materials ("乙方离职时
  // 无需返还或删除其持有的工作资料", "may retain copies"). Not one about
  // information that is public or that the law requires to be kept; not one
  // that denies the excuse (乙方离职不免除其返还义务, 不得以任何理由免于返还);
  // not the owner keeping them (甲方有权保留乙方交还的资料): the owner of the
  // materials is the disclosing party, and in an employee's contract
  // (`employee`) 甲方, the employer.
  static bool ExcusesReturn(std::string_view sentence, bool employee) {
    static constexpr std::string_view kNeedNot[] = {"无需",   "无须", "不必", "不需",  "不用",
                                                    "不要求", "免于", "免除", "不负有"};
    static constexpr std::string_view kReturn[] = {"返还", "删除", "交还", "归还", "销毁", "移交"};
    static constexpr std::string_view kKeep[] = {"可以保留",   "可保留",   "有权保留",
                                                 "may retain", "may keep", "entitled to retain"};
    static constexpr std::string_view kMaterials[] = {
        "资料", "文件", "复制件", "副本", "载体", "material", "document", "cop", "record"};
    static constexpr std::string_view kEnNeedNot[] = {
        "need not return",         "not required to return", "no obligation to return",
        "not obliged to return",   "need not delete",        "not required to delete",
        "not required to destroy", "need not destroy"};
    static constexpr std::string_view kNotSecret[] = {
        "已公开",     "公开的",       "公众所知悉", "非保密",         "不含保密",
        "不涉及保密", "法律要求保留", "public",     "required by law"};
    static constexpr std::string_view kReturned[] = {"返还", "交还", "归还", "移交", "returned"};
    std::string lower = Lower(sentence);
    if (ContainsAny(lower, kNotSecret)) return false;
    if (ContainsAny(lower, kEnNeedNot)) return true;
    // Every place `word` is followed by one of `targets` within `window`
    // bytes of its clause, with the bytes in between.
    auto each_near = [&](std::string_view word, std::span<const std::string_view> targets,
                         size_t window, auto&& fn) {
      for (size_t p = lower.find(word); p != std::string::npos; p = lower.find(word, p + 1)) {
        const size_t from = p + word.size();
        for (std::string_view t : targets) {
          size_t q = lower.find(t, from);
          if (q == std::string::npos || q - from > window || !SameClause(lower, from, q)) continue;
          if (fn(p, std::string_view(lower).substr(from, q - from))) return true;
        }
      }
      return false;
    };
    for (std::string_view w : kNeedNot) {
      if (each_near(w, kReturn, 12,
                    [&](size_t p, std::string_view) { return !ExcuseDenied(lower, p); })) {
        return true;
      }
    }
    for (std::string_view w : kKeep) {
      if (each_near(w, kMaterials, 30, [&](size_t p, std::string_view between) {
            return !ExcuseDenied(lower, p) && !ContainsAny(between, kReturned) &&
                   !OwnerNamedBefore(lower, p, employee);
          })) {
        return true;
      }
    }
    return false;
  }

  // Whether the excuse at `at` (免除, 可保留 …) is denied in its clause: 不
  // just before it (不免除, 不可保留) or a prohibition before it (不得以任何理由
  // 免于返还, 无权保留).
  static bool ExcuseDenied(std::string_view lower, size_t at) {
    static constexpr std::string_view kDenials[] = {"不得", "不能", "不应", "不会", "无权",
                                                    "不因", "并不", "不是", "并非"};
    size_t begin = 0;
    for (std::string_view sep : {"，", "；", "。", "：", ",", ";", ":"}) {
      size_t p = lower.substr(0, at).rfind(sep);
      if (p != std::string_view::npos) begin = std::max(begin, p + sep.size());
    }
    std::string_view before = lower.substr(begin, at - begin);
    return before.ends_with("不") || ContainsAny(before, kDenials);
  }

  // Whether the party named last before `at` in its clause owns the
  // materials: the disclosing party, or in an employee's contract 甲方 (the
  // employer) — not the employee or the receiving party.
  static bool OwnerNamedBefore(std::string_view lower, size_t at, bool employee) {
    static constexpr std::string_view kOwners[] = {"披露方", "employer", "company",
                                                   "disclosing party"};
    static constexpr std::string_view kHolders[] = {"乙方", "接收方", "employee", "recipient",
                                                    "receiving party"};
    size_t begin = 0;
    for (std::string_view sep : {"，", "；", "。", ",", ";"}) {
      size_t p = lower.substr(0, at).rfind(sep);
      if (p != std::string_view::npos) begin = std::max(begin, p + sep.size());
    }
    std::string_view before = lower.substr(begin, at - begin);
    auto last = [&](std::span<const std::string_view> words) {
      size_t best = std::string_view::npos;
      for (std::string_view w : words) {
        size_t p = before.rfind(w);
        if (p != std::string_view::npos && (best == std::string_view::npos || p > best)) best = p;
      }
      return best;
    };
    size_t owner = last(kOwners);
    if (employee) {
      size_t a = before.rfind("甲方");
      if (a != std::string_view::npos && (owner == std::string_view::npos || a > owner)) owner = a;
    }
    if (owner == std::string_view::npos) return false;
    size_t holder = last(kHolders);
    return holder == std::string_view::npos || owner > holder;
  }

  void C3() {
    std::string def = Lower(TaggedText("definition"));
    std::vector<std::pair<std::string, std::string>> missing;
    if (!ContainsAny(
            def, std::initializer_list<std::string_view>{"交易习惯", "trading habits",
                                                         "purchasing habits", "buying habits"})) {
      missing.push_back({"客户交易习惯", "customer trading habits"});
    }
    if (!ContainsAny(def, std::initializer_list<std::string_view>{"意向", "intention"})) {
      missing.push_back({"客户意向", "customer intentions"});
    }
    if (!ContainsAny(def, std::initializer_list<std::string_view>{"价格", "pricing", "prices"}))
      missing.push_back({"价格", "prices"});
    if (missing.empty()) return;
    std::string zh;
    std::string en;
    for (const auto& [z, e] : missing) {
      zh += (zh.empty() ? "" : "、") + z;
      en += (en.empty() ? "" : ", ") + e;
    }
    Warning("C3", "",
            "保密信息的定义未列明保管库中的客户信息类别：" + zh +
                "（客户信息须包括交易习惯、意向和内容才构成商业秘密）",
            "the definition of confidential information does not name these vault record "
            "types: " +
                en);
  }

  void C4() {
    if (!ctx_.first_secret_access_at) return;
    if (ctx_.nda_signed_at) {
      if (*ctx_.nda_signed_at > *ctx_.first_secret_access_at) {
        Error("C4", "",
              "保密协议签署于乙方首次接触涉密记录（" +
                  FormatRfc3339Millis(*ctx_.first_secret_access_at) +
                  "）之后；保密措施须在接触之前采取",
              "the NDA was signed after the employee's first access to secret records (" +
                  FormatRfc3339Millis(*ctx_.first_secret_access_at) +
                  "); confidentiality measures must come first");
      }
      return;
    }
    Warning("C4", "",
            "乙方已于 " + FormatRfc3339Millis(*ctx_.first_secret_access_at) +
                " 接触涉密记录而协议尚未签署：请在其继续接触前签署，签署前的接触不受本协议保护",
            "the employee has accessed secret records since " +
                FormatRfc3339Millis(*ctx_.first_secret_access_at) +
                " and this NDA is not signed yet: sign it before any further access; earlier "
                "access is not covered");
  }

  void C5() {
    const FieldValue* penalty = Active("penalty_amount");
    if (penalty == nullptr || !ctx_.estimated_loss_minor) return;
    std::optional<double> ratio = Param("penalty_to_loss_ratio");
    if (ratio && static_cast<double>(penalty->money.minor_units) >
                     *ratio * static_cast<double>(*ctx_.estimated_loss_minor)) {
      Warning("C5", "penalty_amount",
              "违约金 " + internal::FormatAmount(penalty->money.minor_units) +
                  " 过分高于预计损失 " + internal::FormatAmount(*ctx_.estimated_loss_minor) +
                  "，可能被请求调减",
              "the liquidated damages " + internal::FormatAmount(penalty->money.minor_units) +
                  " are far above the estimated loss " +
                  internal::FormatAmount(*ctx_.estimated_loss_minor) +
                  " and may be reduced as a penalty");
    }
  }

  // The departure notice quotes the non-compete the employee signed: it
  // must say there is one exactly when there is, with the same period,
  // monthly compensation and region — a notice that contradicts the contract misleads
  // the employee and weakens the company's case.
  void D1() {
    if (!ctx_.signed_noncompete) {
      Warning("D1", "has_noncompete", "未核实：未能与员工已签署的竞业限制协议核对",
              "not verified: not compared with the non-compete the employee signed");
      return;
    }
    const SignedNonCompete& nc = *ctx_.signed_noncompete;
    const FieldValue* has = Get("has_noncompete");
    const bool quoted = has != nullptr && has->boolean;
    if (nc.exists && !quoted) {
      Error("D1", "has_noncompete",
            "员工签有竞业限制协议（" + nc.agreement_id + "），告知书必须写明其期限和补偿",
            "the employee signed a non-compete (" + nc.agreement_id +
                "); the notice must state its period and compensation");
      return;
    }
    if (!nc.exists) {
      if (quoted) {
        Error("D1", "has_noncompete", "员工没有已签署的竞业限制协议，告知书不得写明竞业限制义务",
              "the employee has no signed non-compete; the notice must not state one");
      }
      return;
    }
    if (const FieldValue* m = Active("restricted_months"); m != nullptr && m->number != nc.months) {
      Error("D1", "restricted_months",
            "告知书写明的竞业限制期限为 " + std::to_string(m->number) + " 个月，与已签署协议（" +
                std::to_string(nc.months) + " 个月）不一致",
            "the notice states a period of " + std::to_string(m->number) +
                " months; the signed agreement says " + std::to_string(nc.months));
    }
    if (const Money* c =
            Active("compensation_monthly") != nullptr ? GetMoney("compensation_monthly") : nullptr;
        c != nullptr && c->minor_units != nc.monthly_minor) {
      Error("D1", "compensation_monthly",
            "告知书写明的月经济补偿为 " + internal::FormatAmount(c->minor_units) +
                "，与已签署协议（" + internal::FormatAmount(nc.monthly_minor) + "）不一致",
            "the notice states monthly compensation of " + internal::FormatAmount(c->minor_units) +
                "; the signed agreement says " + internal::FormatAmount(nc.monthly_minor));
    }
    // The region as text: a notice naming another place than the contract
    // misleads the employee as much as another period would.
    if (const FieldValue* region = Active("restricted_region");
        region != nullptr && !nc.region.empty() &&
        RegionText(region->text) != RegionText(nc.region)) {
      Error("D1", "restricted_region",
            "告知书写明的竞业限制地域为“" + region->text + "”，与已签署协议（“" + nc.region +
                "”）不一致",
            "the notice states the restricted region \"" + region->text +
                "\"; the signed agreement says \"" + nc.region + "\"");
    }
  }

  // A penalty agreed in a non-compete may only secure the non-compete itself
  // (LCL Arts. 23, 25); courts have treated non-solicitation as outside
  // Art. 23, so a penalty that also covers it is at risk. One that secures
  // confidentiality is void outright: C1 reports it as an error.
  void C6() {
    if (Active("penalty_amount") == nullptr) return;
    static constexpr std::string_view kOther[] = {"劝诱", "招揽", "引诱", "挖角", "solicit"};
    auto other_duty = [](std::string_view text) {
      std::string lower = Lower(text);
      for (std::string_view w : kOther) {
        if (Contains(lower, w)) return std::string(w);
      }
      return std::string();
    };
    for (const ActiveText& a : text_) {
      if (a.clause == nullptr || !HasTag(*a.clause, "scope")) continue;
      if (std::string w = other_duty(a.text); !w.empty()) {
        Warning("C6", "penalty_amount",
                "违约金所担保的竞业限制义务中包含其他义务（“" + w +
                    "”）：不劝诱等义务不属于竞业限制，违约金可能因此不被支持；请将其另列条款并约定"
                    "赔偿损失",
                "the non-compete duty that the penalty secures includes another duty (\"" + w +
                    "\"): non-solicitation is not part of the non-compete and puts the penalty at "
                    "risk; put it in its own clause with damages");
        return;
      }
    }
    for (const ActiveText& a : text_) {
      for (const std::string& sentence : Sentences(a.text)) {
        if (!MentionsPenalty(sentence) || NamesConfidentiality(sentence)) continue;
        std::string w = other_duty(sentence);
        if (w.empty() && Contains(sentence, "违反本协议") && !Contains(sentence, "竞业限制")) {
          w = "违反本协议";
        }
        if (w.empty()) continue;
        Warning("C6", "penalty_amount",
                "违约金覆盖了竞业限制以外的义务：“" + sentence +
                    "”；劳动者违约金只能就竞业限制（及服务期）约定",
                "the penalty covers duties other than the non-compete: \"" + sentence +
                    "\"; an employee penalty may only secure the non-compete (or a training "
                    "service period)");
        return;
      }
    }
  }

  // --- California ------------------------------------------------------------

  bool IsEmployee() const {
    const FieldValue* w = Get("worker_type");
    return w == nullptr || w->text == "employee";
  }

  void CA1() {
    if (!IsEmployee()) return;
    std::string carve = Lower(TaggedText("unlawful-acts-carve-out"));
    if (!Contains(carve, "unlawful acts in the workplace")) {
      Error("CA1", "",
            "受加州法律管辖的雇员保密条款缺少《加州政府法典》第12964."
            "5条要求的声明（本协议不妨碍讨论或披露工作场所违法行为的信息）",
            "a California employee confidentiality provision lacks the statement Gov. Code "
            "§12964.5 requires: \"Nothing in this agreement prevents you from discussing or "
            "disclosing information about unlawful acts in the workplace, ...\"");
    }
  }

  // The context's facts where given, else the template's fields
  // works_in_california ("yes", "no", "unknown") and represented_by_counsel.
  std::optional<bool> InCalifornia() const {
    if (ctx_.employee_in_california) return ctx_.employee_in_california;
    const FieldValue* v = Get("works_in_california");
    if (v == nullptr || v->text == "unknown") return std::nullopt;
    return v->text == "yes";
  }
  bool RepresentedByCounsel() const {
    if (ctx_.employee_represented_by_counsel) return *ctx_.employee_represented_by_counsel;
    const FieldValue* v = Get("represented_by_counsel");
    return v != nullptr && v->boolean;
  }

  void CA2() {
    if (!IsEmployee()) return;
    if (ContractDate() < CivilDate{2017, 1, 1}) return;  // §925(f)
    const std::optional<bool> in_california = InCalifornia();
    if (!in_california) {
      // Only a template that asks can be answered; the question matters only
      // when the contract chooses another state's law.
      if (law_ != "US-CA" && t_.FindField("works_in_california") != nullptr) {
        Warning("CA2", "works_in_california",
                "未记录雇员是否主要在加州居住和工作，无法核对《加州劳动法典》第925条（在加州居住和"
                "工作的雇员可主张外州法律或管辖条款无效）",
                "whether the employee primarily resides and works in California is not recorded, "
                "so Labor Code §925 (a California employee may void another state's law or "
                "forum) was not checked");
      }
      return;
    }
    if (!*in_california || RepresentedByCounsel()) return;  // §925(e)
    if (law_ != "US-CA") {
      Error("CA2", "governing_state",
            "雇员主要在加州居住和工作，协议却选择加州以外的法律（《加州劳动法典》第925条：雇员可主"
            "张该条款无效）",
            "the employee primarily resides and works in California but the agreement chooses "
            "another state's law (Labor Code §925 makes it voidable by the employee)");
    }
    const FieldValue* venue = Get("venue");
    if (venue != nullptr && !venue->text.empty()) {
      std::string v = Lower(venue->text);
      if (!Contains(v, "california") && !Contains(v, ", ca")) {
        Error("CA2", "venue",
              "雇员主要在加州居住和工作，协议却约定在加州以外解决争议（《加州劳动法典》第925条）",
              "the employee primarily resides and works in California but the agreement sends "
              "disputes outside California (Labor Code §925)");
      }
    }
  }

  // --- US ------------------------------------------------------------------

  void U1() {
    bool individual = t_.kind == "employee-nda";
    if (const FieldValue* v = Get("counterparty_is_individual"); v != nullptr && v->boolean) {
      individual = true;
    }
    if (!individual) return;
    std::string notice = TaggedText("whistleblower-notice");
    if (notice.empty() || !Contains(notice, "1833(b)")) {
      Error("U1", "", "与雇员或个人承包人的协议缺少美国法典第18编第1833(b)条规定的吹哨人豁免告知",
            "an agreement with an employee or individual contractor lacks the 18 U.S.C. "
            "§1833(b) whistleblower immunity notice");
    }
  }

  void U2() {
    static constexpr std::array<std::array<std::string_view, 3>, 4> kWanted = {{
        {"exclusions", "标准例外情形（公知信息、已知悉、第三方合法提供、独立开发）",
         "standard exclusions (public, already known, from a third party, independently "
         "developed)"},
        {"compelled-disclosure", "依法强制披露的例外", "compelled-disclosure carve-out"},
        {"return-on-exit", "返还或销毁并书面确认", "return or destruction with certification"},
        {"survival", "协议终止后义务继续有效", "survival of obligations"},
    }};
    for (const auto& [tag, zh, en] : kWanted) {
      if (!HasActiveTag(tag)) {
        Warning("U2", "", "缺少常规条款：" + std::string(zh),
                "missing standard clause: " + std::string(en));
      }
    }
  }

  const Template& t_;
  const FieldValues& values_;
  const CheckContext& ctx_;
  std::string law_;
  const LegalRule* rule_ = nullptr;  // the row in force for the running check
  std::string_view rule_id_;
  CheckReport report_;
  std::vector<ActiveText> text_;
  std::vector<const Clause*> active_clauses_;
};

Result<std::optional<bool>> OptBool(const json::Value& j, std::string_view key) {
  const json::Value* v = j.Find(key);
  if (v == nullptr || v->is_null()) return std::optional<bool>();
  if (!v->is_bool())
    return Status::InvalidArgument("context: " + std::string(key) + " must be true or false");
  return std::optional<bool>(v->as_bool());
}

Result<std::optional<int64_t>> OptAmount(const json::Value& j, std::string_view key) {
  const json::Value* v = j.Find(key);
  if (v == nullptr || v->is_null()) return std::optional<int64_t>();
  std::string text;
  if (v->is_int()) {
    text = std::to_string(v->as_int());
  } else if (v->is_string()) {
    text = v->as_string();
  } else {
    return Status::InvalidArgument("context: " + std::string(key) + " must be an amount");
  }
  Result<int64_t> a = ParseAmount(text);
  if (!a.ok())
    return Status::InvalidArgument("context: " + std::string(key) + " must be an amount");
  return std::optional<int64_t>(*a);
}

Result<std::optional<UnixMillis>> OptTime(const json::Value& j, std::string_view key) {
  const json::Value* v = j.Find(key);
  if (v == nullptr || v->is_null()) return std::optional<UnixMillis>();
  if (!v->is_string())
    return Status::InvalidArgument("context: " + std::string(key) + " must be RFC 3339");
  Result<UnixMillis> t = ParseRfc3339(v->as_string());
  if (!t.ok()) return Status::InvalidArgument("context: " + std::string(key) + " must be RFC 3339");
  return std::optional<UnixMillis>(*t);
}

}  // namespace

std::string_view SeverityName(Severity s) { return s == Severity::kError ? "error" : "warning"; }

CheckReport RunChecks(const Template& tmpl, const FieldValidation& validation,
                      const CheckContext& context) {
  return Checker(tmpl, validation, context).Run();
}

bool CanSendForSignature(const CheckReport& report) {
  if (!report.field_errors.empty()) return false;
  for (const Finding& f : report.findings) {
    if (f.severity == Severity::kError) return false;
  }
  return true;
}

std::string FormatReportText(const CheckReport& report, Language lang) {
  bool zh = lang == Language::kZh;
  size_t errors = report.field_errors.size();
  size_t warnings = 0;
  for (const Finding& f : report.findings) {
    (f.severity == Severity::kError ? errors : warnings) += 1;
  }
  std::string out;
  out +=
      zh ? "合同检查：" + report.template_id + " 版本 " + report.template_version + "\n"
         : "Contract check: " + report.template_id + " version " + report.template_version + "\n";
  if (zh) {
    out += CanSendForSignature(report) ? "结论：可以发送签署" : "结论：不可发送签署";
    out += "（错误 " + std::to_string(errors) + " 项，警告 " + std::to_string(warnings) + " 项）\n";
  } else {
    out += CanSendForSignature(report) ? "Result: may be sent for signature"
                                       : "Result: may NOT be sent for signature";
    out +=
        " (" + std::to_string(errors) + " error(s), " + std::to_string(warnings) + " warning(s))\n";
  }
  if (!report.field_errors.empty()) {
    out += zh ? "\n字段错误：\n" : "\nField errors:\n";
    for (const FieldError& e : report.field_errors) {
      out += "  - " + (e.field_id.empty() ? std::string("(fields)") : e.field_id) + ": " +
             (zh ? e.message_zh : e.message_en) + "\n";
    }
  }
  if (!report.findings.empty()) {
    out += zh ? "\n检查结果：\n" : "\nFindings:\n";
    for (const Finding& f : report.findings) {
      std::string sev =
          f.severity == Severity::kError ? (zh ? "错误" : "error") : (zh ? "警告" : "warning");
      out += "  [" + sev + "] " + f.rule_id + " " + (zh ? f.message_zh : f.message_en) + "\n";
      out += std::string(zh ? "      依据：" : "      Source: ") + f.source + "\n";
    }
  }
  return out;
}

json::Value ReportToJson(const CheckReport& report) {
  json::Value out = json::Value::MakeObject();
  out["template_id"] = report.template_id;
  out["template_version"] = report.template_version;
  out["can_send_for_signature"] = CanSendForSignature(report);
  json::Value fe = json::Value::MakeArray();
  for (const FieldError& e : report.field_errors) {
    json::Value o = json::Value::MakeObject();
    o["field"] = e.field_id;
    o["message_zh"] = e.message_zh;
    o["message_en"] = e.message_en;
    fe.Push(std::move(o));
  }
  out["field_errors"] = std::move(fe);
  json::Value fs = json::Value::MakeArray();
  for (const Finding& f : report.findings) {
    json::Value o = json::Value::MakeObject();
    o["rule"] = f.rule_id;
    o["severity"] = std::string(SeverityName(f.severity));
    o["source"] = f.source;
    o["field"] = f.field_id;
    o["message_zh"] = f.message_zh;
    o["message_en"] = f.message_en;
    fs.Push(std::move(o));
  }
  out["findings"] = std::move(fs);
  return out;
}

Result<CheckContext> ParseCheckContext(const json::Value& j) {
  if (!j.is_object()) return Status::InvalidArgument("context must be a JSON object");
  static constexpr std::array<std::string_view, 15> kKeys = {"employee_category",
                                                             "secret_access_record_exists",
                                                             "average_monthly_wage",
                                                             "region_code",
                                                             "as_of",
                                                             "employee_signed",
                                                             "employer_signed",
                                                             "signature_reliable",
                                                             "copy_delivered",
                                                             "nda_signed_at",
                                                             "first_secret_access_at",
                                                             "estimated_loss",
                                                             "employment_end",
                                                             "employee_in_california",
                                                             "employee_represented_by_counsel"};
  for (const auto& [k, unused] : j.as_object()) {
    if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end()) {
      return Status::InvalidArgument("context: unknown key " + k);
    }
  }
  CheckContext c;
  CUSTOS_ASSIGN_OR_RETURN(std::string cat, json::GetStringOr(j, "employee_category", ""));
  if (cat == "senior_management") {
    c.employee_category = EmployeeCategory::kSeniorManagement;
  } else if (cat == "senior_technical") {
    c.employee_category = EmployeeCategory::kSeniorTechnical;
  } else if (cat == "confidentiality_duty") {
    c.employee_category = EmployeeCategory::kConfidentialityDuty;
  } else if (cat == "other") {
    c.employee_category = EmployeeCategory::kOther;
  } else if (!cat.empty()) {
    return Status::InvalidArgument("context: unknown employee_category " + cat);
  }
  CUSTOS_ASSIGN_OR_RETURN(c.secret_access_record_exists, OptBool(j, "secret_access_record_exists"));
  CUSTOS_ASSIGN_OR_RETURN(c.average_monthly_wage_minor, OptAmount(j, "average_monthly_wage"));
  CUSTOS_ASSIGN_OR_RETURN(std::string region, json::GetStringOr(j, "region_code", ""));
  if (!region.empty()) {
    CUSTOS_RETURN_IF_ERROR(ValidateRegionCode(region).Annotate("context: region_code"));
    c.region_code = region;
  }
  CUSTOS_ASSIGN_OR_RETURN(std::string as_of, json::GetStringOr(j, "as_of", ""));
  if (!as_of.empty()) {
    Result<CivilDate> d = ParseDate(as_of);
    if (!d.ok()) return Status::InvalidArgument("context: as_of must be YYYY-MM-DD");
    c.as_of = *d;
  }
  CUSTOS_ASSIGN_OR_RETURN(c.employee_signed, OptBool(j, "employee_signed"));
  CUSTOS_ASSIGN_OR_RETURN(c.employer_signed, OptBool(j, "employer_signed"));
  CUSTOS_ASSIGN_OR_RETURN(c.signature_reliable, OptBool(j, "signature_reliable"));
  CUSTOS_ASSIGN_OR_RETURN(c.copy_delivered, OptBool(j, "copy_delivered"));
  CUSTOS_ASSIGN_OR_RETURN(c.nda_signed_at, OptTime(j, "nda_signed_at"));
  CUSTOS_ASSIGN_OR_RETURN(c.first_secret_access_at, OptTime(j, "first_secret_access_at"));
  CUSTOS_ASSIGN_OR_RETURN(c.estimated_loss_minor, OptAmount(j, "estimated_loss"));
  CUSTOS_ASSIGN_OR_RETURN(std::string end, json::GetStringOr(j, "employment_end", ""));
  if (!end.empty()) {
    Result<CivilDate> d = ParseDate(end);
    if (!d.ok()) return Status::InvalidArgument("context: employment_end must be YYYY-MM-DD");
    c.employment_end = *d;
  }
  CUSTOS_ASSIGN_OR_RETURN(c.employee_in_california, OptBool(j, "employee_in_california"));
  CUSTOS_ASSIGN_OR_RETURN(c.employee_represented_by_counsel,
                          OptBool(j, "employee_represented_by_counsel"));
  return c;
}

}  // namespace custos::contracts
