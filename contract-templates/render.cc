#include "contract-templates/render.h"

#include <array>

#include "base/html.h"
#include "base/json.h"
#include "contract-templates/internal/values.h"

namespace custos::contracts {
namespace {

constexpr std::array<std::string_view, 10> kCnDigits = {"零", "一", "二", "三", "四",
                                                        "五", "六", "七", "八", "九"};
constexpr std::array<std::string_view, 10> kCnCapital = {"零", "壹", "贰", "叁", "肆",
                                                         "伍", "陆", "柒", "捌", "玖"};

// Chinese reading of 0 < n < 10000 with the given digit set and unit set
// (十百千 or 拾佰仟). Inner runs of zeros read as one 零.
std::string ChineseGroup(int n, const std::array<std::string_view, 10>& digits,
                         const std::array<std::string_view, 4>& units) {
  std::string s;
  bool zero = false;
  for (int i = 3, div = 1000; i >= 0; --i, div /= 10) {
    int d = (n / div) % 10;
    if (d == 0) {
      if (!s.empty()) zero = true;
      continue;
    }
    if (zero) {
      s += digits[0];
      zero = false;
    }
    s += digits[d];
    s += units[i];
  }
  return s;
}

// Upper-case amount in words for CNY (人民币大写), e.g. 壹万零伍拾元整.
std::string CnyCapital(int64_t minor) {
  static constexpr std::array<std::string_view, 4> kUnits = {"", "拾", "佰", "仟"};
  static constexpr std::array<std::string_view, 4> kGroups = {"", "万", "亿", "万亿"};
  int64_t yuan = minor / 100;
  int jiao = static_cast<int>((minor / 10) % 10);
  int fen = static_cast<int>(minor % 10);
  std::string out;
  if (yuan > 0) {
    std::array<int, 4> groups{};
    int64_t rest = yuan;
    int count = 0;
    while (rest > 0 && count < 4) {
      groups[count++] = static_cast<int>(rest % 10000);
      rest /= 10000;
    }
    bool pending_zero = false;
    for (int g = count - 1; g >= 0; --g) {
      if (groups[g] == 0) {
        pending_zero = !out.empty();
        continue;
      }
      if (!out.empty() && (pending_zero || groups[g] < 1000)) out += kCnCapital[0];
      pending_zero = false;
      out += ChineseGroup(groups[g], kCnCapital, kUnits);
      out += kGroups[g];
    }
    out += "元";
  }
  if (jiao == 0 && fen == 0) return out.empty() ? "零元整" : out + "整";
  if (jiao > 0) {
    out += kCnCapital[jiao];
    out += "角";
  } else if (!out.empty()) {
    out += kCnCapital[0];
  }
  if (fen > 0) {
    out += kCnCapital[fen];
    out += "分";
  }
  return out;
}

void AppendEscaped(std::string& out, std::string_view text, bool html) {
  if (!html) {
    out.append(text);
    return;
  }
  // Line breaks in values and wording become <br>; the rest is escaped text.
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string_view::npos; nl = text.find('\n', start)) {
    AppendHtmlEscaped(&out, text.substr(start, nl - start));
    out += "<br>";
    start = nl + 1;
  }
  AppendHtmlEscaped(&out, text.substr(start));
}

constexpr std::string_view kBlank = "__________";

class Renderer {
 public:
  Renderer(const Template& t, const FieldValues& v, const RenderOptions& o)
      : t_(t), values_(v), html_(o.format == Format::kHtml), marking_(o.classification_marking) {}

  std::string Run() {
    if (html_) {
      HtmlHead();
    } else if (!marking_.empty()) {
      out_ += "【" + marking_ + "】\n\n";
    }
    Title();
    for (const Paragraph& p : t_.preamble) Para(p, "");
    int n = 0;
    for (const Clause& c : t_.clauses) {
      if (c.condition && !EvaluateCondition(*c.condition, values_)) continue;
      ClauseOut(c, ++n);
    }
    for (const Paragraph& p : t_.closing) Para(p, "");
    Signatures();
    if (html_) {
      if (!marking_.empty()) {
        out_ += "<div class=\"marking marking-bottom\">";
        AppendEscaped(out_, marking_, true);
        out_ += "</div>\n";
      }
      out_ += "</body>\n</html>\n";
    } else if (!marking_.empty()) {
      out_ += "\n【" + marking_ + "】\n";
    }
    return std::move(out_);
  }

 private:
  bool zh() const { return t_.language == Language::kZh; }

  void HtmlHead() {
    out_ += "<!DOCTYPE html>\n<html lang=\"";
    out_ += LanguageTag(t_.language);
    out_ += "\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
    AppendEscaped(out_, t_.title, true);
    out_ += "</title>\n<style>\n";
    out_ +=
        "@page { size: A4; margin: 25mm 20mm 22mm 20mm; }\n"
        "html { font-size: 11pt; }\n"
        "body { font-family: \"Songti SC\", \"SimSun\", \"Noto Serif CJK SC\", \"Times New "
        "Roman\", serif; line-height: 1.7; color: #000; max-width: 170mm; margin: 0 auto; }\n"
        ".marking { text-align: center; font-weight: bold; color: #b00000; border: 1.5pt solid "
        "#b00000; padding: 1mm 0; letter-spacing: 0.2em; }\n"
        "h1 { text-align: center; font-size: 18pt; margin: 8mm 0 2mm; letter-spacing: 0.1em; }\n"
        ".doc-ref { text-align: center; font-size: 9pt; color: #444; margin: 0 0 6mm; }\n"
        "h2 { font-size: 12pt; margin: 5mm 0 1mm; page-break-after: avoid; break-after: avoid; }\n"
        "p { margin: 0 0 2mm; text-align: justify; }\n"
        ".clause p { text-indent: 2em; }\n"
        ".field { text-decoration: underline; }\n"
        ".blank { letter-spacing: 0.1em; }\n"
        ".signatures { display: flex; gap: 12mm; margin-top: 12mm; break-inside: avoid; "
        "page-break-inside: avoid; }\n"
        ".party { flex: 1; }\n"
        ".party p { margin: 0 0 5mm; }\n"
        ".sign-line { display: inline-block; min-width: 45mm; border-bottom: 0.75pt solid #000; "
        "}\n"
        "@media print {\n"
        "  .marking-top { position: fixed; top: -16mm; left: 0; right: 0; }\n"
        "  .marking-bottom { position: fixed; bottom: -14mm; left: 0; right: 0; }\n"
        "}\n";
    out_ += "</style>\n</head>\n<body>\n";
    if (!marking_.empty()) {
      out_ += "<div class=\"marking marking-top\">";
      AppendEscaped(out_, marking_, true);
      out_ += "</div>\n";
    }
  }

  void Title() {
    std::string ref = zh() ? "模板 " + t_.id + " 版本 " + t_.version
                           : "Template " + t_.id + " version " + t_.version;
    if (html_) {
      out_ += "<h1>";
      AppendEscaped(out_, t_.title, true);
      out_ += "</h1>\n<p class=\"doc-ref\">";
      AppendEscaped(out_, ref, true);
      out_ += "</p>\n";
    } else {
      out_ += t_.title + "\n" + (zh() ? "（" + ref + "）" : "(" + ref + ")") + "\n\n";
    }
  }

  // Text with placeholders substituted. The template was checked at load
  // time, so scanning cannot fail here.
  std::string Fill(std::string_view text) {
    std::string s;
    internal::ScanPlaceholders(
        text, [&](std::string_view piece) { AppendEscaped(s, piece, html_); },
        [&](std::string_view name) {
          const FieldDef* def = t_.FindField(name);
          auto it = values_.find(name);
          if (def == nullptr || it == values_.end()) {
            s += html_ ? "<span class=\"blank\">" + std::string(kBlank) + "</span>"
                       : std::string(kBlank);
            return;
          }
          if (html_) s += "<span class=\"field\">";
          AppendEscaped(s, FormatValue(t_, *def, it->second), html_);
          if (html_) s += "</span>";
        })
        .IgnoreError();
    return s;
  }

  void Para(const Paragraph& p, std::string_view) {
    if (p.condition && !EvaluateCondition(*p.condition, values_)) return;
    if (html_) {
      out_ += "<p>" + Fill(p.text) + "</p>\n";
    } else {
      out_ += Fill(p.text) + "\n\n";
    }
  }

  void ClauseOut(const Clause& c, int n) {
    std::string num = zh() ? ChineseOrdinalArticle(n) : std::to_string(n) + ".";
    if (html_) {
      out_ += "<section class=\"clause\" id=\"clause-";
      AppendEscaped(out_, c.id, true);
      out_ += "\">\n<h2>" + num + " ";
      AppendEscaped(out_, c.heading, true);
      out_ += "</h2>\n";
    } else {
      out_ += num + (zh() ? "　" : " ") + c.heading + "\n";
    }
    for (const Paragraph& p : c.paragraphs) Para(p, "");
    if (html_) out_ += "</section>\n";
  }

  void Signatures() {
    std::string_view date_label = zh() ? "日期：" : "Date: ";
    std::string_view date_line = zh() ? "　　　　年　　月　　日" : "";
    if (html_) {
      out_ += "<section class=\"signatures\">\n";
    }
    for (const Party& p : t_.parties) {
      std::string name = Fill("{{" + p.name_field + "}}");
      std::string sep = zh() ? "：" : ": ";
      if (html_) {
        out_ += "<div class=\"party\">\n<p><strong>";
        AppendEscaped(out_, p.label, true);
        out_ += "</strong>" + sep + name + "</p>\n<p>";
        AppendEscaped(out_, p.signer_label, true);
        out_ += sep + "<span class=\"sign-line\"></span></p>\n<p>";
        out_ += std::string(date_label) + "<span class=\"sign-line\">" + std::string(date_line) +
                "</span></p>\n</div>\n";
      } else {
        out_ += p.label + sep + name + "\n";
        out_ += p.signer_label + sep + std::string(kBlank) + std::string(kBlank) + "\n";
        out_ += std::string(date_label) +
                (zh() ? std::string(date_line) : std::string(kBlank) + std::string(kBlank)) +
                "\n\n";
      }
    }
    if (html_) out_ += "</section>\n";
  }

  const Template& t_;
  const FieldValues& values_;
  bool html_;
  std::string marking_;
  std::string out_;
};

}  // namespace

std::string ChineseOrdinalArticle(int n) {
  static constexpr std::array<std::string_view, 4> kUnits = {"", "十", "百", "千"};
  if (n < 1 || n > 9999) return "第" + std::to_string(n) + "条";
  std::string s = ChineseGroup(n, kCnDigits, kUnits);
  // 10-19 read 十, 十一 … rather than 一十, 一十一.
  if (n >= 10 && n < 20) s = s.substr(kCnDigits[1].size());
  return "第" + s + "条";
}

std::string FormatValue(const Template& tmpl, const FieldDef& def, const FieldValue& value) {
  bool zh = tmpl.language == Language::kZh;
  switch (value.type) {
    case FieldType::kText:
    case FieldType::kResidentId:
      return value.text;
    case FieldType::kDate: {
      const CivilDate& d = value.date;
      if (zh) {
        return std::to_string(d.year) + "年" + std::to_string(d.month) + "月" +
               std::to_string(d.day) + "日";
      }
      static constexpr std::array<std::string_view, 12> kMonths = {
          "January", "February", "March",     "April",   "May",      "June",
          "July",    "August",   "September", "October", "November", "December"};
      return std::string(kMonths[d.month - 1]) + " " + std::to_string(d.day) + ", " +
             std::to_string(d.year);
    }
    case FieldType::kMoney: {
      std::string amount = internal::FormatAmount(value.money.minor_units);
      if (zh && value.money.currency == "CNY") {
        return "人民币 " + amount + " 元（大写：" + CnyCapital(value.money.minor_units) + "）";
      }
      return value.money.currency + " " + amount;
    }
    case FieldType::kMonths:
      if (zh) return std::to_string(value.number) + "个月";
      return std::to_string(value.number) + (value.number == 1 ? " month" : " months");
    case FieldType::kInteger:
      return std::to_string(value.number);
    case FieldType::kChoice:
      for (const ChoiceOption& o : def.options) {
        if (o.value == value.text) return o.label;
      }
      return value.text;
    case FieldType::kRegion: {
      if (!value.region_name.empty()) return value.region_name;
      std::string name(internal::ProvinceName(value.text, tmpl.language));
      if (value.text.substr(2) == "0000") return name;
      return zh ? name + "（" + value.text + "）" : name + " (" + value.text + ")";
    }
    case FieldType::kBool:
      if (zh) return value.boolean ? "是" : "否";
      return value.boolean ? "yes" : "no";
  }
  return value.text;
}

Result<std::string> Render(const Template& tmpl, const FieldValues& values,
                           const RenderOptions& options) {
  const std::string& m = options.classification_marking;
  if (!json::IsValidUtf8(m) || m.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("classification marking must be one line of UTF-8 text");
  }
  return Renderer(tmpl, values, options).Run();
}

}  // namespace custos::contracts
