//! The words a support lead reads in a report, in English, Simplified
//! Chinese (mainland) and Traditional Chinese (Taiwan): fixed phrases
//! through a catalog, metric, channel, priority, status, tier and quadrant
//! labels, durations rounded to what matters, counted nouns, numbers,
//! percentages, local dates and times with the zone's abbreviation, and
//! period labels.
//!
//! Every function is deterministic: the same language, zone and input give
//! the same text, and no input makes one panic (a non-finite or negative
//! duration or share reads as "–").
//!
//! ```
//! use supportdesk::report::words::{Lang, Noun, Words};
//!
//! let en = Words::new(Lang::En, chrono_tz::Europe::London);
//! assert_eq!(en.duration(8.0 * 3600.0 + 55.0 * 60.0 + 4.0), "8h 55m");
//! assert_eq!(en.count(1_477, Noun::Ticket), "1,477 tickets");
//! assert_eq!(en.rate(993, 1_128), "88.0% (993 of 1,128)");
//! assert_eq!(
//!     en.fmt("{n} of {of} within target", &[("n", en.number(993)), ("of", en.number(1_128))]),
//!     "993 of 1,128 within target"
//! );
//!
//! let zh: Lang = "zh-CN".parse()?;
//! let zh = Words::new(zh, chrono_tz::Europe::London);
//! assert_eq!(zh.t("Key figures"), "关键指标");
//! assert_eq!(zh.count(3, Noun::Breach), "3 次违约");
//! assert_eq!(zh.datetime("2026-03-31T22:00:00Z".parse()?), "2026年3月31日（周二）23:00 BST");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::{Period, PeriodKind};
use crate::insight::Quadrant;
use crate::instant::{local_date, local_datetime};
use crate::{Channel, Priority, Status};

/// What every function prints for a value it cannot show (a negative or
/// non-finite duration or share): an en dash.
pub const NOT_AVAILABLE: &str = "–";

/// The report's language.
///
/// Written `"en"`, `"zh-Hans"` or `"zh-Hant"` (serde and `Display`);
/// [`FromStr`] also reads the region tags `zh-CN`/`zh-SG` (Simplified) and
/// `zh-TW`/`zh-HK`/`zh-MO` (Traditional), in any case.
///
/// ```
/// use supportdesk::report::words::Lang;
/// assert_eq!("zh-tw".parse::<Lang>()?, Lang::ZhHant);
/// assert_eq!(Lang::ZhHans.to_string(), "zh-Hans");
/// assert!("fr".parse::<Lang>().is_err());
/// # Ok::<(), supportdesk::report::words::UnknownLang>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Lang {
    /// English (the catalog's keys).
    #[default]
    #[serde(rename = "en")]
    En,
    /// Chinese in simplified characters, as written in mainland China.
    #[serde(rename = "zh-Hans", alias = "zh-CN", alias = "zh-SG")]
    ZhHans,
    /// Chinese in traditional characters, as written in Taiwan.
    #[serde(rename = "zh-Hant", alias = "zh-TW", alias = "zh-HK", alias = "zh-MO")]
    ZhHant,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::ZhHans, Lang::ZhHant];

    /// The language tag: `"en"`, `"zh-Hans"` or `"zh-Hant"`.
    pub const fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHans => "zh-Hans",
            Lang::ZhHant => "zh-Hant",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language tag that names none of the report's languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report language {0:?} (expected en, zh-Hans or zh-Hant)")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let tag = s.trim().replace('_', "-").to_ascii_lowercase();
        match tag.as_str() {
            "en" => Ok(Lang::En),
            "zh-hans" | "zh-cn" | "zh-sg" => Ok(Lang::ZhHans),
            "zh-hant" | "zh-tw" | "zh-hk" | "zh-mo" => Ok(Lang::ZhHant),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

/// A thing a report counts ([`Words::count`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Noun {
    /// A ticket (张工单 / 張工單).
    Ticket,
    /// A survey answer (份答复 / 份答覆).
    Answer,
    /// An SLA breach (次违约 / 次違約).
    Breach,
    /// A contact with support (次联系 / 次聯繫).
    Contact,
    /// A customer (位客户 / 位客戶).
    Customer,
    /// An agent (名客服).
    Agent,
    /// A public reply (条回复 / 則回覆).
    Reply,
    /// A satisfaction or effort score (个评分 / 個評分).
    Score,
    /// A day (天).
    Day,
    /// A week (周 / 週).
    Week,
    /// A CX maturity trait (项特征 / 項特徵).
    Trait,
    /// A pair, e.g. of contact reasons (对 / 對).
    Pair,
    /// A customer's question (个问题 / 個問題).
    Question,
    /// A knowledge-base article (篇文章).
    Article,
    /// A customer's experience (次经历 / 次經歷).
    Experience,
}

impl Noun {
    /// Every noun, in declaration order.
    pub const ALL: [Noun; 15] = [
        Noun::Ticket,
        Noun::Answer,
        Noun::Breach,
        Noun::Contact,
        Noun::Customer,
        Noun::Agent,
        Noun::Reply,
        Noun::Score,
        Noun::Day,
        Noun::Week,
        Noun::Trait,
        Noun::Pair,
        Noun::Question,
        Noun::Article,
        Noun::Experience,
    ];

    /// English singular and plural, Simplified and Traditional measure word
    /// with noun.
    const fn forms(self) -> [&'static str; 4] {
        match self {
            Noun::Ticket => ["ticket", "tickets", "张工单", "張工單"],
            Noun::Answer => ["answer", "answers", "份答复", "份答覆"],
            Noun::Breach => ["breach", "breaches", "次违约", "次違約"],
            Noun::Contact => ["contact", "contacts", "次联系", "次聯繫"],
            Noun::Customer => ["customer", "customers", "位客户", "位客戶"],
            Noun::Agent => ["agent", "agents", "名客服", "名客服"],
            Noun::Reply => ["reply", "replies", "条回复", "則回覆"],
            Noun::Score => ["score", "scores", "个评分", "個評分"],
            Noun::Day => ["day", "days", "天", "天"],
            Noun::Week => ["week", "weeks", "周", "週"],
            Noun::Trait => ["trait", "traits", "项特征", "項特徵"],
            Noun::Pair => ["pair", "pairs", "对", "對"],
            Noun::Question => ["question", "questions", "个问题", "個問題"],
            Noun::Article => ["article", "articles", "篇文章", "篇文章"],
            Noun::Experience => ["experience", "experiences", "次经历", "次經歷"],
        }
    }
}

/// The catalog of fixed report phrases: English (the key), Simplified
/// Chinese, Traditional Chinese. A `{name}` in a phrase is a placeholder
/// [`Words::fmt`] fills; every translation has the same placeholders as its
/// key. A unit test checks that every string literal passed to
/// [`Words::t`] or [`Words::fmt`] in `src/report/` is here.
pub static CATALOG: &[(&str, &str, &str)] = &[
    // The shipped risk tiers' figures (experience::RiskTiers), through lookup.
    (
        "61% of customers would switch to a competitor after one bad experience",
        "61% 的客户在一次不良经历后会转向竞争对手",
        "61% 的客戶在一次不良經歷後會轉向競爭對手",
    ),
    (
        "76% of customers would switch to a competitor after more than one bad experience",
        "76% 的客户在不止一次不良经历后会转向竞争对手",
        "76% 的客戶在不止一次不良經歷後會轉向競爭對手",
    ),
    (
        "about half of customers would consider switching to a competitor after one bad experience",
        "约一半的客户在一次不良经历后会考虑转向竞争对手",
        "約一半的客戶在一次不良經歷後會考慮轉向競爭對手",
    ),
    (
        "80% of customers would switch to a competitor after several bad experiences",
        "80% 的客户在多次不良经历后会转向竞争对手",
        "80% 的客戶在多次不良經歷後會轉向競爭對手",
    ),
    // CSAT per channel, one bar's text.
    (
        "{mean} ({answers}; too few to judge)",
        "{mean}（{answers}；样本太少，无法判断）",
        "{mean}（{answers}；樣本太少，無法判斷）",
    ),
    (
        "{mean} ({answers}, {satisfied} satisfied)",
        "{mean}（{answers}，满意 {satisfied}）",
        "{mean}（{answers}，滿意 {satisfied}）",
    ),
    // Section titles.
    ("Key figures", "关键指标", "關鍵指標"),
    ("First response", "首次响应", "首次回應"),
    ("SLA compliance", "SLA 达标率", "SLA 達標率"),
    ("Customer satisfaction", "客户满意度", "客戶滿意度"),
    (
        "Satisfaction by first-response time",
        "按首次响应时长划分的满意度",
        "依首次回應時間區分的滿意度",
    ),
    ("Backlog", "积压工单", "積壓工單"),
    (
        "Unsolved tickets by age",
        "未解决工单的时长分布",
        "未解決工單的時長分布",
    ),
    ("Volume", "工单量", "工單量"),
    ("Per period", "按周期", "依週期"),
    ("Trends", "趋势", "趨勢"),
    ("Customers", "客户", "客戶"),
    ("Customers at risk", "有流失风险的客户", "有流失風險的客戶"),
    ("Repeat contacts", "重复联系", "重複聯繫"),
    (
        "First-contact resolution",
        "首次联系解决率",
        "首次聯繫解決率",
    ),
    ("Next issues", "后续问题", "後續問題"),
    ("Knowledge-base gaps", "知识库缺口", "知識庫缺口"),
    ("Value-irritant matrix", "价值-痛点矩阵", "價值-痛點矩陣"),
    ("CX maturity", "客户体验成熟度", "客戶體驗成熟度"),
    ("Next steps", "后续步骤", "後續步驟"),
    ("Definitions", "术语说明", "名詞解釋"),
    (
        "Low scores to follow up",
        "待跟进的低分评价",
        "待跟進的低分評價",
    ),
    // Column and row labels.
    ("median", "中位数", "中位數"),
    ("mean", "平均值", "平均值"),
    ("p90", "P90", "P90"),
    ("target", "目标", "目標"),
    ("total", "合计", "合計"),
    ("share", "占比", "佔比"),
    ("tickets opened", "新建工单", "新建工單"),
    ("tickets solved", "已解决工单", "已解決工單"),
    ("backlog at end of day", "日终积压工单", "日終積壓工單"),
    ("mean CSAT", "平均满意度", "平均滿意度"),
    ("within target", "达标", "達標"),
    ("breached", "已违约", "已違約"),
    ("met", "已达标", "已達標"),
    ("running", "计时中", "計時中"),
    ("cancelled", "已取消", "已取消"),
    ("compliance", "达标率", "達標率"),
    ("measure", "指标", "指標"),
    ("value", "数值", "數值"),
    ("channel", "渠道", "管道"),
    ("priority", "优先级", "優先順序"),
    ("status", "状态", "狀態"),
    ("tag", "标签", "標籤"),
    ("period", "周期", "週期"),
    ("customer", "客户", "客戶"),
    ("agent", "客服", "客服"),
    ("tier", "等级", "等級"),
    ("next tier", "下一等级", "下一等級"),
    ("yours", "本团队", "本團隊"),
    ("Champions", "领先者", "領先者"),
    ("at Champion level", "达到领先者水平", "達到領先者水準"),
    ("business hours", "工作时间", "工作時間"),
    ("calendar time", "自然时间", "日曆時間"),
    ("none", "无", "無"),
    // Verdicts.
    (
        "too few to judge",
        "样本太少，无法判断",
        "樣本太少，無法判斷",
    ),
    ("no data", "无数据", "無資料"),
    // Phrases with placeholders.
    ("Figures as of {when}", "数据截至 {when}", "資料截至 {when}"),
    ("Times in {zone}", "时区：{zone}", "時區：{zone}"),
    ("generated {when}", "生成于 {when}", "產生於 {when}"),
    ("{n} of {of}", "{of} 中 {n}", "{of} 中 {n}"),
    (
        "{n} of {of} within target",
        "{of} 中 {n} 达标",
        "{of} 中 {n} 達標",
    ),
    ("{from} to {to}", "{from} 至 {to}", "{from} 至 {to}"),
    ("target {target}", "目标 {target}", "目標 {target}"),
    // The document's frame.
    ("Contents", "目录", "目錄"),
    ("Data", "数据", "資料"),
    (
        "newest event {when}",
        "最新事件发生于 {when}",
        "最新事件發生於 {when}",
    ),
    // Key figures.
    ("Tickets", "工单", "工單"),
    (
        "{reactive} from customers, {proactive} proactive",
        "客户发起 {reactive} 张，主动发起 {proactive} 张",
        "客戶發起 {reactive} 張，主動發起 {proactive} 張",
    ),
    (
        "First response (median)",
        "首次响应（中位数）",
        "首次回應（中位數）",
    ),
    ("p90 {p90}; {n}", "P90 {p90}；{n}", "P90 {p90}；{n}"),
    ("p90 {p90}", "P90 {p90}", "P90 {p90}"),
    (
        "First response in business hours (median)",
        "首次响应（按工作时间计，中位数）",
        "首次回應（依工作時間計，中位數）",
    ),
    (
        "First replies within SLA target",
        "首次回复 SLA 达标率",
        "首次回覆 SLA 達標率",
    ),
    (
        "Resolution (median)",
        "解决时长（中位数）",
        "解決時間（中位數）",
    ),
    ("One-touch resolution", "一次回复解决率", "一次回覆解決率"),
    ("Reopened", "重新打开率", "重新開啟率"),
    ("CSAT (1–5)", "客户满意度（1–5）", "客戶滿意度（1–5）"),
    (
        "{satisfied} satisfied; {n} ({rate} response rate)",
        "满意 {satisfied}；{n}（答复率 {rate}）",
        "滿意 {satisfied}；{n}（答覆率 {rate}）",
    ),
    (
        "Customer effort (1 easy – 7 hard)",
        "客户费力度（1 轻松 – 7 费力）",
        "客戶費力度（1 輕鬆 – 7 費力）",
    ),
    (
        "{easy} low effort, {hard} high effort; {n}",
        "低费力 {easy}，高费力 {hard}；{n}",
        "低費力 {easy}，高費力 {hard}；{n}",
    ),
    ("Unsolved now", "当前未解决", "目前未解決"),
    (
        "oldest {age} (ticket {ticket})",
        "最久 {age}（工单 {ticket}）",
        "最久 {age}（工單 {ticket}）",
    ),
    ("Waiting for a first reply", "等待首次回复", "等待首次回覆"),
    (
        "longest {age} (ticket {ticket})",
        "最长等待 {age}（工单 {ticket}）",
        "最長等待 {age}（工單 {ticket}）",
    ),
    ("Replies by agents", "客服回复数", "客服回覆數"),
    (
        "{n} automated (not counted as agent work)",
        "另有 {n} 条自动回复（不计入客服工作量）",
        "另有 {n} 則自動回覆（不計入客服工作量）",
    ),
    ("per order", "每笔订单", "每筆訂單"),
    ("per active customer", "每位活跃客户", "每位活躍客戶"),
    (
        "Contact rate, {label}",
        "联系率（{label}）",
        "聯繫率（{label}）",
    ),
    (
        "{contacts} contacts, {base} in the base",
        "{contacts} 次联系，基数 {base}",
        "{contacts} 次聯繫，基數 {base}",
    ),
    ("{count} of {of}", "{of} 中 {count}", "{of} 中 {count}"),
    (
        "{rate}, 95% CI {low}–{high}",
        "{rate}，95% 置信区间 {low}–{high}",
        "{rate}，95% 信賴區間 {low}–{high}",
    ),
    (
        "; 95% CI {low}–{high}",
        "；95% 置信区间 {low}–{high}",
        "；95% 信賴區間 {low}–{high}",
    ),
    (
        "(too few to judge)",
        "（样本太少，无法判断）",
        "（樣本太少，無法判斷）",
    ),
    (
        "{met} met, {breaches}",
        "{met} 次达标，{breaches}",
        "{met} 次達標，{breaches}",
    ),
    // Trends.
    (
        "Tickets opened per period and the unsolved backlog at each period's end. Busiest: {peak} ({n}); backlog at the end: {backlog}.",
        "各周期的新建工单数及周期末未解决的积压工单数。最繁忙：{peak}（{n}）；期末积压：{backlog}。",
        "各週期的新建工單數及週期末未解決的積壓工單數。最繁忙：{peak}（{n}）；期末積壓：{backlog}。",
    ),
    (
        "Tickets opened and backlog",
        "新建工单与积压工单",
        "新建工單與積壓工單",
    ),
    ("unsolved at the end", "期末未解决", "期末未解決"),
    ("Mean CSAT", "平均满意度", "平均滿意度"),
    (
        "Mean CSAT (1–5) per period; periods with fewer than {min} answers are left out ({n}).",
        "各周期的平均满意度（1–5）；答复少于 {min} 份的周期不计入（{n} 个）。",
        "各週期的平均滿意度（1–5）；答覆少於 {min} 份的週期不計入（{n} 個）。",
    ),
    ("overall {mean}", "总体 {mean}", "整體 {mean}"),
    ("target {t}", "目标 {t}", "目標 {t}"),
    (
        "target {t} ({label})",
        "目标 {t}（{label}）",
        "目標 {t}（{label}）",
    ),
    (
        "First response, {priority}",
        "首次响应（{priority}）",
        "首次回應（{priority}）",
    ),
    (
        "First response against each priority's target",
        "各优先级的首次响应与目标对比",
        "各優先順序的首次回應與目標對照",
    ),
    (
        "Median and 90th percentile of the first response per period, in business hours as the SLA targets are counted, with the targets as dashed lines. The p90 is above the longest target in {n} of {of} periods.",
        "各周期首次响应的中位数和第 90 百分位数，与 SLA 目标一样按工作时间计，虚线为目标。{of} 个周期中有 {n} 个的 P90 超过最长的目标。",
        "各週期首次回應的中位數與第 90 百分位數，與 SLA 目標一樣按工作時間計，虛線為目標。{of} 個週期中有 {n} 個的 P90 超過最長的目標。",
    ),
    (
        "Median and 90th percentile of the first response per period, with the SLA targets as dashed lines. The p90 is above the longest target in {n} of {of} periods.",
        "各周期首次响应的中位数和第 90 百分位数，虚线为 SLA 目标。{of} 个周期中有 {n} 个的 P90 超过最长的目标。",
        "各週期首次回應的中位數與第 90 百分位數，虛線為 SLA 目標。{of} 個週期中有 {n} 個的 P90 超過最長的目標。",
    ),
    // First response.
    (
        "Times are counted in business hours, as the SLA targets are.",
        "时长按工作时间计算，与 SLA 目标一致。",
        "時間依工作時間計算，與 SLA 目標一致。",
    ),
    (
        "Times are counted in calendar time.",
        "时长按自然时间计算。",
        "時間依日曆時間計算。",
    ),
    (
        "First response distribution",
        "首次响应时长分布",
        "首次回應時間分布",
    ),
    ("tickets", "工单数", "工單數"),
    ("longest", "最长", "最長"),
    (
        "First response, business hours",
        "首次响应（工作时间）",
        "首次回應（工作時間）",
    ),
    ("Next reply", "后续回复", "後續回覆"),
    (
        "Next reply, business hours",
        "后续回复（工作时间）",
        "後續回覆（工作時間）",
    ),
    ("Resolution", "解决时长", "解決時間"),
    (
        "Resolution, business hours",
        "解决时长（工作时间）",
        "解決時間（工作時間）",
    ),
    ("Agent work", "客服处理时长", "客服處理時間"),
    (
        "Agent work, business hours",
        "客服处理时长（工作时间）",
        "客服處理時間（工作時間）",
    ),
    (
        "Means, counts and rates are exact; so are medians and p90.",
        "平均值、计数和比率均为精确值；中位数和 P90 也是精确值。",
        "平均值、計數與比率皆為精確值；中位數與 P90 也是精確值。",
    ),
    (
        "Means, counts and rates are exact; medians and p90 are within 0.8% (a fixed log-bucketed sketch).",
        "平均值、计数和比率均为精确值；中位数和 P90 的误差在 0.8% 以内（采用固定对数分桶的近似算法）。",
        "平均值、計數與比率皆為精確值；中位數與 P90 的誤差在 0.8% 以內（採用固定對數分桶的近似演算法）。",
    ),
    (
        "{n} first replies by time to reply, with each SLA target marked; the SLA engine judged {breaches} and {met} met.",
        "{n} 条首次回复按回复时长分布，并标出各 SLA 目标；SLA 引擎判定 {breaches}，{met} 次达标。",
        "{n} 則首次回覆依回覆時間分布，並標出各 SLA 目標；SLA 引擎判定 {breaches}，{met} 次達標。",
    ),
    (
        "{n} first replies by time to reply.",
        "{n} 条首次回复按回复时长分布。",
        "{n} 則首次回覆依回覆時間分布。",
    ),
    // SLA compliance.
    (
        "No SLA targets on these tickets.",
        "这些工单没有 SLA 目标。",
        "這些工單沒有 SLA 目標。",
    ),
    (
        "Share of SLA targets met, per metric and priority. Lowest: {metric}, {priority} at {rate}.",
        "按指标和优先级划分的 SLA 目标达标率。最低：{metric}（{priority}），{rate}。",
        "依指標與優先順序區分的 SLA 目標達標率。最低：{metric}（{priority}），{rate}。",
    ),
    (
        "Share of SLA targets met, per metric. Lowest: {metric} at {rate}.",
        "按指标划分的 SLA 目标达标率。最低：{metric}，{rate}。",
        "依指標區分的 SLA 目標達標率。最低：{metric}，{rate}。",
    ),
    (
        "Share of SLA targets met.",
        "SLA 目标达标率。",
        "SLA 目標達標率。",
    ),
    ("SLA targets met", "SLA 目标达标率", "SLA 目標達標率"),
    (
        "no SLA targets decided yet",
        "尚无已判定的 SLA 目标",
        "尚無已判定的 SLA 目標",
    ),
    ("metric", "指标", "指標"),
    ("all", "全部", "全部"),
    (
        "Compliance is met ÷ (met + breached); targets still running or cancelled are not counted.",
        "达标率 = 已达标 ÷（已达标 + 已违约）；仍在计时或已取消的目标不计入。",
        "達標率 = 已達標 ÷（已達標 + 已違約）；仍在計時或已取消的目標不計入。",
    ),
    // Customer satisfaction.
    ("satisfied", "满意", "滿意"),
    ("no answers", "无答复", "無答覆"),
    ("no answers yet", "暂无答复", "尚無答覆"),
    (
        "Mean CSAT per channel",
        "各渠道平均满意度",
        "各管道平均滿意度",
    ),
    (
        "Mean CSAT (1–5) per channel with its number of answers; channels with fewer than {min} answers are grey ({n}), the others in vermillion when below 3.5 and the overall mean.",
        "各渠道的平均满意度（1–5）及答复数；答复少于 {min} 份的渠道显示为灰色（{n} 个），其余渠道同时低于 3.5 和总体平均值时显示为朱红色。",
        "各管道的平均滿意度（1–5）及答覆數；答覆少於 {min} 份的管道顯示為灰色（{n} 個），其餘管道同時低於 3.5 與整體平均值時顯示為朱紅色。",
    ),
    ("score", "评分", "評分"),
    ("answers", "答复数", "答覆數"),
    ("{rate} followed up", "已跟进 {rate}", "已跟進 {rate}"),
    (
        ", median {after} after the score",
        "，跟进时间中位数为评分后 {after}",
        "，跟進時間中位數為評分後 {after}",
    ),
    ("when", "时间", "時間"),
    ("ticket", "工单", "工單"),
    ("comment", "评语", "評語"),
    ("followed up", "跟进", "跟進"),
    ("after {after}", "{after}后", "{after}後"),
    ("not yet", "尚未", "尚未"),
    (
        "and {n} earlier low scores",
        "另有 {n} 条更早的低分评价",
        "另有 {n} 則更早的低分評價",
    ),
    (
        "Replies within {within} already get the best satisfaction (mean {plateau}); slower replies get {beyond}. Answering faster than {within} does not raise CSAT in this data.",
        "在 {within} 内回复已能获得最佳满意度（平均 {plateau}）；更慢的回复为 {beyond}。在这些数据中，比 {within} 更快回复并不会提高满意度。",
        "在 {within} 內回覆已能獲得最佳滿意度（平均 {plateau}）；較慢的回覆為 {beyond}。在這些資料中，比 {within} 更快回覆並不會提高滿意度。",
    ),
    (
        "No threshold in this data: not enough answers per bin, or satisfaction does not fall with slower replies.",
        "这些数据中找不到阈值：每个区间的答复不足，或满意度并未随回复变慢而下降。",
        "這些資料中找不到門檻：每個區間的答覆不足，或滿意度並未隨回覆變慢而下降。",
    ),
    (
        "Mean CSAT by first-response time",
        "按首次响应时长划分的平均满意度",
        "依首次回應時間區分的平均滿意度",
    ),
    ("speed threshold", "速度阈值", "速度門檻"),
    // Backlog and volume.
    (
        "{n} unsolved at the report's instant, by age.",
        "截至报告时点未解决的 {n}，按时长分布。",
        "截至報告時間點未解決的 {n}，依時長分布。",
    ),
    (
        " The oldest is {age}.",
        "最久的一张已积压 {age}。",
        "最久的一張已積壓 {age}。",
    ),
    ("Tagged: {rate}", "已打标签：{rate}", "已加標籤：{rate}"),
    // Value-irritant matrix.
    ("reason", "联系原因", "聯繫原因"),
    ("quadrant", "象限", "象限"),
    ("CSAT", "满意度", "滿意度"),
    ("hours to resolve", "解决时长", "解決時間"),
    ("recontacts", "再次联系率", "再次聯繫率"),
    ("Top actions", "优先行动", "優先行動"),
    (
        "Repeated questions (self-service candidates)",
        "重复出现的问题（适合自助服务）",
        "重複出現的問題（適合自助服務）",
    ),
    // CX maturity.
    (
        "{tier}: {n} of 7 traits held by your own answers.",
        "{tier}：根据您的自评，具备 7 项特征中的 {n} 项。",
        "{tier}：根據您的自評，具備 7 項特徵中的 {n} 項。",
    ),
    (
        "{tier} needs {n}.",
        "达到{tier}需要 {n} 项。",
        "達到{tier}需要 {n} 項。",
    ),
    ("trait", "特征", "特徵"),
    ("your answer", "您的回答", "您的回答"),
    ("what the data says", "数据显示", "資料顯示"),
    ("next step", "下一步", "下一步"),
    ("yes", "是", "是"),
    ("no", "否", "否"),
    (
        "no evidence in the data",
        "数据中无相关证据",
        "資料中無相關證據",
    ),
    (
        "You answered yes, but the data points to no: {n} against.",
        "您回答了“是”，但数据指向“否”：{n} 项反对证据。",
        "您回答了「是」，但資料指向「否」：{n} 項反對證據。",
    ),
    (
        "You answered no, but the data points to yes: {n} in favour.",
        "您回答了“否”，但数据指向“是”：{n} 项支持证据。",
        "您回答了「否」，但資料指向「是」：{n} 項支持證據。",
    ),
    (
        "Context only; nothing for or against.",
        "仅供参考；没有支持或反对的证据。",
        "僅供參考；沒有支持或反對的證據。",
    ),
    (
        "The data agrees with your answer.",
        "数据与您的回答一致。",
        "資料與您的回答一致。",
    ),
    ("points to yes", "指向“是”", "指向「是」"),
    ("points to no", "指向“否”", "指向「否」"),
    ("context", "背景信息", "背景資訊"),
    ("Compared with Champions", "与领先者对比", "與領先者比較"),
    ("needs a baseline", "需要基准", "需要基準"),
    (
        "The published Champion figures are relative to Starters: give your own figures from an earlier period (a baseline) to compare them.",
        "已发布的领先者数值是相对于起步者而言的：请提供您自己较早时期的数值（基准）以便比较。",
        "已發表的領先者數值是相對於起步者而言：請提供您自己較早期間的數值（基準）以便比較。",
    ),
    (
        "{tier}: {n} of 7 traits",
        "{tier}：7 项特征中具备 {n} 项",
        "{tier}：7 項特徵中具備 {n} 項",
    ),
    (
        "The {model} tiers by traits held; you are at {caption}.",
        "{model} 按具备特征数划分的等级；您目前处于{caption}。",
        "{model} 依具備特徵數區分的等級；您目前位於{caption}。",
    ),
    (
        "{model} tiers by traits held",
        "{model} 等级（按具备的特征数）",
        "{model} 等級（依具備的特徵數）",
    ),
    // Customers.
    (
        "Repeat contacts and first-contact resolution",
        "重复联系与首次联系解决率",
        "重複聯繫與首次聯繫解決率",
    ),
    (
        "Contacts opened from {from} to {to} (end excluded).",
        "统计 {from} 至 {to} 期间发起的联系（不含结束时间）。",
        "統計 {from} 至 {to} 期間發起的聯繫（不含結束時間）。",
    ),
    (
        "{n} still in their window",
        "{n} 次联系仍在观察窗口内",
        "{n} 次聯繫仍在觀察期內",
    ),
    (
        "Repeat-contact rate per channel",
        "各渠道重复联系率",
        "各管道重複聯繫率",
    ),
    (
        "First-contact resolution per channel",
        "各渠道首次联系解决率",
        "各管道首次聯繫解決率",
    ),
    ("contacts", "联系次数", "聯繫次數"),
    ("repeat contacts", "重复联系率", "重複聯繫率"),
    (
        "first-contact resolution",
        "首次联系解决率",
        "首次聯繫解決率",
    ),
    ("pending", "待判定", "待判定"),
    ("one-touch", "一次回复解决率", "一次回覆解決率"),
    ("all channels", "全部渠道", "全部管道"),
    (
        "No customer with recent bad experiences.",
        "没有近期有不良经历的客户。",
        "沒有近期有不良經歷的客戶。",
    ),
    ("risk", "风险", "風險"),
    ("recent bad experiences", "近期不良经历", "近期不良經歷"),
    ("what happened", "事件经过", "事件經過"),
    (
        "Next issue after each reason",
        "各联系原因之后的后续问题",
        "各聯繫原因之後的後續問題",
    ),
    (
        "For each reason, the share of contacts followed by the other reason within the window, with its 95% confidence interval.",
        "对每个联系原因，在观察窗口内随后出现另一原因的联系所占比例，及其 95% 置信区间。",
        "針對每個聯繫原因，在觀察期內接著出現另一原因的聯繫所佔比例，及其 95% 信賴區間。",
    ),
    (
        "no pair passed the thresholds",
        "没有原因组合达到阈值",
        "沒有原因組合達到門檻",
    ),
    (
        "No reason is a knowledge-base candidate.",
        "没有适合写入知识库的联系原因。",
        "沒有適合寫入知識庫的聯繫原因。",
    ),
    ("near-identical", "近似问题数", "近似問題數"),
    ("example question", "示例问题", "範例問題"),
    ("most given reply", "最常用回复", "最常用回覆"),
    ("article", "知识库文章", "知識庫文章"),
    ("(worse than overall)", "（比总体差）", "（比整體差）"),
    (
        "Per channel, with the rate of all channels as a dashed line. A channel is in vermillion only when its 95% interval lies wholly on the worse side; channels with fewer than {min} contacts are grey.",
        "按渠道显示，虚线为全部渠道的比率。仅当某渠道的 95% 置信区间完全落在较差一侧时才显示为朱红色；联系少于 {min} 次的渠道显示为灰色。",
        "依管道顯示，虛線為全部管道的比率。僅當某管道的 95% 信賴區間完全落在較差一側時才顯示為朱紅色；聯繫少於 {min} 次的管道顯示為灰色。",
    ),
    ("all channels {rate}", "全部渠道 {rate}", "全部管道 {rate}"),
    ("no contacts", "无联系", "無聯繫"),
    // Data tables, contact rate, matrix chart.
    (
        "No low scores in this period.",
        "本期没有低分。",
        "本期沒有低分。",
    ),
    ("time to first reply", "首次响应用时", "首次回應用時"),
    ("age", "已等待时长", "已等待時長"),
    ("targets met", "目标达成率", "目標達成率"),
    ("traits", "特征数", "特徵數"),
    (
        "reason → next reason",
        "原因 → 下一个原因",
        "原因 → 下一個原因",
    ),
    ("Contact rate", "联系率", "聯繫率"),
    ("base", "基数", "基數"),
    ("contact rate", "联系率", "聯繫率"),
    ("figures", "数据", "數據"),
    (
        "Value-irritant matrix: {n}",
        "价值-困扰矩阵：{n}",
        "價值-困擾矩陣：{n}",
    ),
    (
        "Contact reasons placed by their value to the customer (across) and to the business (up); bubble area is proportional to tickets.",
        "各联系原因按对客户的价值（横轴）和对企业的价值（纵轴）定位；气泡面积与工单数成正比。",
        "各聯繫原因按對客戶的價值（橫軸）與對企業的價值（縱軸）定位；泡泡面積與工單數成正比。",
    ),
    (
        "irritating to the customer ← value to the customer → valuable to the customer",
        "困扰客户 ← 对客户的价值 → 对客户有价值",
        "困擾客戶 ← 對客戶的價值 → 對客戶有價值",
    ),
    (
        "irritating to the business ← value to the business → valuable to the business",
        "困扰企业 ← 对企业的价值 → 对企业有价值",
        "困擾企業 ← 對企業的價值 → 對企業有價值",
    ),
    // Customer section: windows, definitions, risk tiers, experiences,
    // next-issue suggestions.
    ("1 day", "1 天", "1 天"),
    ("{n} days", "{n} 天", "{n} 天"),
    ("1 hour", "1 小时", "1 小時"),
    ("{n} hours", "{n} 小时", "{n} 小時"),
    ("1 minute", "1 分钟", "1 分鐘"),
    ("{n} minutes", "{n} 分钟", "{n} 分鐘"),
    ("1 second", "1 秒", "1 秒"),
    ("{n} seconds", "{n} 秒", "{n} 秒"),
    (
        "1 business day on calendar {calendar}",
        "按 {calendar} 日历计算的 1 个工作日",
        "依 {calendar} 行事曆計算的 1 個工作天",
    ),
    (
        "{n} business days on calendar {calendar}",
        "按 {calendar} 日历计算的 {n} 个工作日",
        "依 {calendar} 行事曆計算的 {n} 個工作天",
    ),
    (
        "1 business hour on calendar {calendar}",
        "按 {calendar} 日历计算的 1 个工作小时",
        "依 {calendar} 行事曆計算的 1 個工作小時",
    ),
    (
        "{n} business hours on calendar {calendar}",
        "按 {calendar} 日历计算的 {n} 个工作小时",
        "依 {calendar} 行事曆計算的 {n} 個工作小時",
    ),
    (
        "1 business minute on calendar {calendar}",
        "按 {calendar} 日历计算的 1 分钟工作时间",
        "依 {calendar} 行事曆計算的 1 分鐘工作時間",
    ),
    (
        "{n} business minutes on calendar {calendar}",
        "按 {calendar} 日历计算的 {n} 分钟工作时间",
        "依 {calendar} 行事曆計算的 {n} 分鐘工作時間",
    ),
    (
        "1 business second on calendar {calendar}",
        "按 {calendar} 日历计算的 1 秒工作时间",
        "依 {calendar} 行事曆計算的 1 秒工作時間",
    ),
    (
        "{n} business seconds on calendar {calendar}",
        "按 {calendar} 日历计算的 {n} 秒工作时间",
        "依 {calendar} 行事曆計算的 {n} 秒工作時間",
    ),
    ("repeat contact", "重复联系", "重複聯繫"),
    (
        "first-contact resolution (FCR)",
        "首次联系解决（FCR）",
        "首次聯繫解決（FCR）",
    ),
    ("one-touch resolution", "一次回复解决", "一次回覆解決"),
    ("next issue", "后续问题", "後續問題"),
    ("knowledge-base gap", "知识库缺口", "知識庫缺口"),
    ("at risk", "有流失风险", "有流失風險"),
    ("likely to leave", "很可能流失", "很可能流失"),
    (
        "about the same cause (a why-tag)",
        "且起因相同（同一个 why 标签）",
        "且起因相同（同一個 why 標籤）",
    ),
    (
        "about the same reason (a what-tag)",
        "且联系原因相同（同一个 what 标签）",
        "且聯繫原因相同（同一個 what 標籤）",
    ),
    ("about anything", "不论联系内容为何", "不論聯繫內容為何"),
    (
        "the same customer again within {window} of the earlier contact's opening {same}",
        "同一客户在上一次联系创建后 {window}内再次联系，{same}",
        "同一客戶在上一次聯繫建立後 {window}內再次聯繫，{same}",
    ),
    (
        "the same customer again within {window} of the earlier contact's resolution, or while it was unresolved {same}",
        "同一客户在上一次联系解决后 {window}内或其尚未解决时再次联系，{same}",
        "同一客戶在上一次聯繫解決後 {window}內或其尚未解決時再次聯繫，{same}",
    ),
    (
        "resolved, never reopened and not repeated; counted once its window ({window}) has closed (contacts still in it are pending)",
        "已解决、从未重新打开且没有重复联系；观察期（{window}）结束后才计入（仍在观察期内的联系记为待判定）",
        "已解決、從未重新開啟且沒有重複聯繫；觀察期（{window}）結束後才計入（仍在觀察期內的聯繫記為待判定）",
    ),
    (
        "resolved with one public reply by a human agent",
        "由人工客服以一条公开回复解决",
        "由真人客服以一則公開回覆解決",
    ),
    (
        "the customer's next contact within {window} is about another reason; the share is of the contacts whose window has closed",
        "客户在 {window}内的下一次联系涉及另一个原因；比例只按观察期已结束的联系计算",
        "客戶在 {window}內的下一次聯繫涉及另一個原因；比例只按觀察期已結束的聯繫計算",
    ),
    (
        "a reason with many near-identical questions, mostly answered with one reply: an article could answer it",
        "某个联系原因下有许多近似问题，且大多一条回复即可解决：一篇知识库文章就能解答",
        "某個聯繫原因下有許多近似問題，且大多一則回覆即可解決：一篇知識庫文章就能解答",
    ),
    (
        "{n} or more recent bad experiences: {figure} ({source} {year})",
        "近期有 {n} 次或以上不良经历：{figure}（{source}，{year}）",
        "近期有 {n} 次或以上不良經歷：{figure}（{source}，{year}）",
    ),
    (
        "SLA breached on ticket {ticket} ({date})",
        "工单 {ticket} SLA 违约（{date}）",
        "工單 {ticket} SLA 違約（{date}）",
    ),
    (
        "ticket {ticket} reopened ({date})",
        "工单 {ticket} 被重新打开（{date}）",
        "工單 {ticket} 被重新開啟（{date}）",
    ),
    (
        "low CSAT {score}/5 on ticket {ticket} ({date})",
        "工单 {ticket} 满意度评分低：{score}/5（{date}）",
        "工單 {ticket} 滿意度評分低：{score}/5（{date}）",
    ),
    (
        "high effort {score}/7 on ticket {ticket} ({date})",
        "工单 {ticket} 客户费力度高：{score}/7（{date}）",
        "工單 {ticket} 客戶費力度高：{score}/7（{date}）",
    ),
    (
        "contacted again on ticket {ticket} about ticket {earlier} ({date})",
        "就工单 {earlier} 再次联系，新工单 {ticket}（{date}）",
        "就工單 {earlier} 再次聯繫，新工單 {ticket}（{date}）",
    ),
    (
        "wrote again after ticket {closed} was closed: ticket {ticket} ({date})",
        "工单 {closed} 关闭后再次来信：工单 {ticket}（{date}）",
        "工單 {closed} 關閉後再次來信：工單 {ticket}（{date}）",
    ),
    (
        "had to switch from {from} to {to} on ticket {ticket} ({date})",
        "工单 {ticket} 中不得不从{from}改用{to}（{date}）",
        "工單 {ticket} 中不得不從{from}改用{to}（{date}）",
    ),
    (
        "ticket {ticket} resolved in one touch ({date})",
        "工单 {ticket} 一次回复即解决（{date}）",
        "工單 {ticket} 一次回覆即解決（{date}）",
    ),
    (
        "high CSAT {score}/5 on ticket {ticket} ({date})",
        "工单 {ticket} 满意度评分高：{score}/5（{date}）",
        "工單 {ticket} 滿意度評分高：{score}/5（{date}）",
    ),
    (
        "When answering {when}, also answer {also} (seen after {share} of {when} contacts within {window}; 95% CI {low}–{high})",
        "回答 {when} 时，也一并解答 {also}（{when} 的联系中有 {share} 在 {window}内接着出现该问题；95% 置信区间 {low}–{high}）",
        "回覆 {when} 時，也一併解答 {also}（{when} 的聯繫中有 {share} 在 {window}內接著出現此問題；95% 信賴區間 {low}–{high}）",
    ),
];

/// The catalog by English key.
static INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> = LazyLock::new(|| {
    CATALOG
        .iter()
        .map(|&(en, hans, hant)| (en, (hans, hant)))
        .collect()
});

/// Picks the English, Simplified or Traditional text.
const fn pick(
    lang: Lang,
    en: &'static str,
    hans: &'static str,
    hant: &'static str,
) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::ZhHans => hans,
        Lang::ZhHant => hant,
    }
}

const MONTHS_SHORT: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const WEEKDAYS_HANS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
const WEEKDAYS_HANT: [&str; 7] = ["週一", "週二", "週三", "週四", "週五", "週六", "週日"];

/// A duration rounded to what matters ([`Words::duration`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Secs(u64),
    Mins(u64),
    HoursMins(u64, u64),
    Hours(u64),
    DaysHours(u64, u64),
    Days(u64),
}

impl Span {
    /// `None` for a negative or non-finite number of seconds.
    fn of(seconds: f64) -> Option<Span> {
        if !seconds.is_finite() || seconds < 0.0 {
            return None;
        }
        // Each unit is chosen on the rounded value, so 59.6 s reads as
        // "1 min" and 23h 40m as "1d", never "60 s" or "24h".
        let secs = seconds.round();
        if secs < 60.0 {
            return Some(Span::Secs(secs as u64));
        }
        let mins = (seconds / 60.0).round();
        if mins < 60.0 {
            return Some(Span::Mins(mins as u64));
        }
        if mins < 600.0 {
            let m = mins as u64;
            return Some(Span::HoursMins(m / 60, m % 60));
        }
        let hours = (seconds / 3600.0).round();
        if hours < 24.0 {
            return Some(Span::Hours(hours as u64));
        }
        if hours < 7.0 * 24.0 {
            let h = hours as u64;
            return Some(Span::DaysHours(h / 24, h % 24));
        }
        // `as` saturates: an absurdly long duration reads as u64::MAX days.
        Some(Span::Days((seconds / 86_400.0).round() as u64))
    }
}

/// `1477` as `"1,477"`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number with at most one decimal, the decimal dropped when it is zero:
/// `4` as `"4"`, `1.5` as `"1.5"`, `1234` as `"1,234"`.
fn one_decimal(x: f64) -> String {
    let tenths = (x * 10.0).round();
    if tenths % 10.0 == 0.0 {
        grouped((tenths / 10.0) as u64)
    } else {
        format!(
            "{}.{}",
            grouped((tenths / 10.0).trunc() as u64),
            (tenths % 10.0) as u64
        )
    }
}

/// Whether `s` is a placeholder name: ASCII letters, digits and `_`, not
/// starting with a digit.
fn is_placeholder_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Fills the `{name}` placeholders of a template in one pass (the values
/// are not scanned again). A brace that does not open a placeholder is
/// kept. A placeholder missing from `args` is a caller's bug: it reads as
/// `[name]` (and fails a debug assertion).
fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_placeholder_name(&after[..close]) => {
                let name = &after[..close];
                let value = args.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
                debug_assert!(
                    value.is_some(),
                    "placeholder {{{name}}} of {template:?} has no value"
                );
                match value {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push('[');
                        out.push_str(name);
                        out.push(']');
                    }
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The words of a report: its language and the time zone its dates and
/// times are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Words {
    lang: Lang,
    tz: Tz,
}

impl Default for Words {
    /// English, times in UTC.
    fn default() -> Self {
        Words::new(Lang::En, Tz::UTC)
    }
}

impl Words {
    /// The words of a language, with dates and times in a zone.
    pub fn new(lang: Lang, tz: Tz) -> Self {
        Words { lang, tz }
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The time zone of dates and times.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    fn pick(&self, en: &'static str, hans: &'static str, hant: &'static str) -> &'static str {
        pick(self.lang, en, hans, hant)
    }

    /// Translates a fixed English text through the [`CATALOG`]; English
    /// (the key itself) when the language is English. A key missing from
    /// the catalog falls back to the English text (a unit test makes sure
    /// the report's own keys are all there).
    ///
    /// ```
    /// use supportdesk::report::words::{Lang, Words};
    /// let w = Words::new(Lang::ZhHant, chrono_tz::Asia::Taipei);
    /// assert_eq!(w.t("Customer satisfaction"), "客戶滿意度");
    /// ```
    pub fn t(&self, en: &'static str) -> &'static str {
        match self.lang {
            Lang::En => en,
            lang => INDEX
                .get(en)
                .map_or(en, |&(hans, hant)| pick(lang, en, hans, hant)),
        }
    }

    /// Translates a text known only at run time (a risk tier's label, a
    /// definition's term) through the [`CATALOG`]: its text in the words'
    /// language (the key itself in English) when it is a catalog key,
    /// `None` when it is not (a host's own label, to be shown as given).
    ///
    /// ```
    /// use supportdesk::report::words::{Lang, Words};
    /// let w = Words::new(Lang::ZhHans, chrono_tz::UTC);
    /// assert_eq!(w.lookup("likely to leave"), Some("很可能流失"));
    /// assert_eq!(w.lookup("gold customers"), None);
    /// let label = "gold customers";
    /// assert_eq!(w.lookup(label).unwrap_or(label), "gold customers");
    /// ```
    pub fn lookup(&self, en: &str) -> Option<&'static str> {
        INDEX
            .get_key_value(en)
            .map(|(&key, &(hans, hant))| pick(self.lang, key, hans, hant))
    }

    /// Like [`Words::t`], then fills the named placeholders:
    /// `w.fmt("{n} of {of} within target", &[("n", w.number(3)), ("of", w.number(4))])`.
    /// The values are inserted as given (not translated, not escaped).
    ///
    /// Every placeholder of the text must be in `args`: one missing is a
    /// bug of the caller, shown as `[name]` (and a failed debug assertion).
    ///
    /// ```
    /// use supportdesk::report::words::{Lang, Words};
    /// let w = Words::new(Lang::ZhHans, chrono_tz::UTC);
    /// let s = w.fmt("{n} of {of} within target", &[("n", w.number(3)), ("of", w.number(1_200))]);
    /// assert_eq!(s, "1,200 中 3 达标");
    /// ```
    pub fn fmt(&self, en: &'static str, args: &[(&str, String)]) -> String {
        fill(self.t(en), args)
    }

    /// The label of an SLA or report metric id: `first_reply` "First
    /// reply" / 首次回复 / 首次回覆, and the other presets of
    /// [`crate::sla::MetricDef`] and the report's measures. A
    /// `@business` suffix (the business-time copy of a preset) adds "(business
    /// hours)". An unknown id reads as words: `pickup_time` "Pickup time".
    ///
    /// ```
    /// use supportdesk::report::words::{Lang, Words};
    /// let w = Words::new(Lang::En, chrono_tz::UTC);
    /// assert_eq!(w.metric("next_reply"), "Next reply");
    /// assert_eq!(w.metric("first_reply@business"), "First reply (business hours)");
    /// assert_eq!(w.metric("pickup_time"), "Pickup time");
    /// ```
    pub fn metric(&self, id: &str) -> String {
        if let Some(base) = id.strip_suffix("@business") {
            let label = self.metric(base);
            return match self.lang {
                Lang::En => format!("{label} (business hours)"),
                Lang::ZhHans => format!("{label}（工作时间）"),
                Lang::ZhHant => format!("{label}（工作時間）"),
            };
        }
        let known = match id {
            "first_reply" => Some(("First reply", "首次回复", "首次回覆")),
            "next_reply" => Some(("Next reply", "后续回复", "後續回覆")),
            "periodic_update" => Some(("Periodic update", "定期更新", "定期更新")),
            "pausable_update" => Some(("Pausable update", "可暂停更新", "可暫停更新")),
            "requester_wait" => Some(("Requester wait", "客户等待时长", "客戶等待時間")),
            "agent_work" => Some(("Agent work", "客服处理时长", "客服處理時間")),
            "total_resolution" => Some(("Total resolution", "总解决时长", "總解決時間")),
            "resolution" => Some(("Resolution", "解决时长", "解決時間")),
            "one_touch" => Some(("One-touch resolution", "一次回复解决率", "一次回覆解決率")),
            "reopened" => Some(("Reopened", "重新打开", "重新開啟")),
            "csat" => Some(("CSAT", "客户满意度", "客戶滿意度")),
            "ces" => Some(("CES", "客户费力度", "客戶費力度")),
            "backlog" => Some(("Backlog", "积压工单", "積壓工單")),
            "fcr" | "first_contact_resolution" => Some((
                "First-contact resolution",
                "首次联系解决率",
                "首次聯繫解決率",
            )),
            "repeat_contact" | "repeat_contacts" => {
                Some(("Repeat contacts", "重复联系", "重複聯繫"))
            }
            _ => None,
        };
        match known {
            Some((en, hans, hant)) => self.pick(en, hans, hant).to_owned(),
            None => readable(id),
        }
    }

    /// The label of a channel: "Email" / 电子邮件 / 電子郵件, "Live chat" /
    /// 在线聊天 / 線上聊天, and so on for every [`Channel`].
    pub fn channel(&self, c: Channel) -> String {
        let (en, hans, hant) = match c {
            Channel::Email => ("Email", "电子邮件", "電子郵件"),
            Channel::WebForm => ("Web form", "网页表单", "網頁表單"),
            Channel::LiveChat => ("Live chat", "在线聊天", "線上聊天"),
            Channel::Phone => ("Phone", "电话", "電話"),
            Channel::Voicemail => ("Voicemail", "语音留言", "語音留言"),
            Channel::Sms => ("SMS", "短信", "簡訊"),
            Channel::WhatsApp => ("WhatsApp", "WhatsApp", "WhatsApp"),
            Channel::Messenger => ("Messenger", "Messenger", "Messenger"),
            Channel::Instagram => ("Instagram", "Instagram", "Instagram"),
            Channel::SocialPost => ("Social post", "社交媒体帖子", "社群貼文"),
            Channel::SocialDirectMessage => ("Social direct message", "社交媒体私信", "社群私訊"),
            Channel::HelpCenter => ("Help center", "帮助中心", "說明中心"),
            Channel::Chatbot => ("Chatbot", "聊天机器人", "聊天機器人"),
            Channel::InPerson => ("In person", "面对面", "面對面"),
            Channel::PostalMail => ("Postal mail", "邮寄信件", "郵寄信件"),
            Channel::Api => ("API", "API", "API"),
        };
        self.pick(en, hans, hant).to_owned()
    }

    /// The label of a priority: Low/Normal/High/Urgent; 低/普通/高/紧急
    /// (緊急).
    pub fn priority(&self, p: Priority) -> &'static str {
        match p {
            Priority::Low => self.pick("Low", "低", "低"),
            Priority::Normal => self.pick("Normal", "普通", "普通"),
            Priority::High => self.pick("High", "高", "高"),
            Priority::Urgent => self.pick("Urgent", "紧急", "緊急"),
        }
    }

    /// The label of a status: New, Open, Pending, On hold, Solved, Closed;
    /// 新建/处理中/待回复/挂起/已解决/已关闭 (新建/處理中/待回覆/擱置/已解決/已關閉).
    pub fn status(&self, s: Status) -> &'static str {
        match s {
            Status::New => self.pick("New", "新建", "新建"),
            Status::Open => self.pick("Open", "处理中", "處理中"),
            Status::Pending => self.pick("Pending", "待回复", "待回覆"),
            Status::OnHold => self.pick("On hold", "挂起", "擱置"),
            Status::Solved => self.pick("Solved", "已解决", "已解決"),
            Status::Closed => self.pick("Closed", "已关闭", "已關閉"),
        }
    }

    /// The name of a CX maturity tier ([`crate::insight::maturity`]):
    /// Starter(s), Emerging, Riser(s), Champion(s) in any case; 起步者,
    /// 新兴者 (新興者), 进阶者 (進階者), 领先者 (領先者). English and an
    /// unknown name read as given.
    pub fn tier(&self, name: &str) -> String {
        let key = name.trim().to_ascii_lowercase();
        let known = match key.as_str() {
            "starter" | "starters" => Some(("起步者", "起步者")),
            "emerging" => Some(("新兴者", "新興者")),
            "riser" | "risers" => Some(("进阶者", "進階者")),
            "champion" | "champions" => Some(("领先者", "領先者")),
            _ => None,
        };
        match (self.lang, known) {
            (Lang::ZhHans, Some((hans, _))) => hans.to_owned(),
            (Lang::ZhHant, Some((_, hant))) => hant.to_owned(),
            _ => name.to_owned(),
        }
    }

    /// The name of a value-irritant quadrant: Leverage/Simplify/Automate/
    /// Eliminate; 发挥/简化/自动化/消除 (發揮/簡化/自動化/消除).
    pub fn quadrant(&self, q: Quadrant) -> &'static str {
        match q {
            Quadrant::Leverage => self.pick("Leverage", "发挥", "發揮"),
            Quadrant::Simplify => self.pick("Simplify", "简化", "簡化"),
            Quadrant::Automate => self.pick("Automate", "自动化", "自動化"),
            Quadrant::Eliminate => self.pick("Eliminate", "消除", "消除"),
        }
    }

    /// A duration rounded to what matters: under a minute "45 s", under an
    /// hour "12 min", under 10 hours "2h 15m" (minutes rounded), under a
    /// day "14h" (hours rounded), under a week "1d 4h", from a week "9d".
    /// Each unit is chosen on the rounded value (59.6 s is "1 min", 23h 40m
    /// is "1d"); a zero last part is left out ("1h", "1d"). Chinese: "45
    /// 秒", "12 分钟" (分鐘), "2 小时 15 分" (小時), "14 小时", "1 天 4 小时",
    /// "9 天". Negative or non-finite: "–".
    ///
    /// ```
    /// use supportdesk::report::words::{Lang, Words};
    /// let w = Words::new(Lang::En, chrono_tz::UTC);
    /// assert_eq!(w.duration(44.6), "45 s");
    /// assert_eq!(w.duration(2.0 * 3600.0 + 15.0 * 60.0), "2h 15m");
    /// assert_eq!(w.duration(28.0 * 3600.0), "1d 4h");
    /// assert_eq!(w.duration(f64::NAN), "–");
    /// ```
    pub fn duration(&self, seconds: f64) -> String {
        let Some(span) = Span::of(seconds) else {
            return NOT_AVAILABLE.to_owned();
        };
        let n = grouped;
        match (self.lang, span) {
            (Lang::En, Span::Secs(s)) => format!("{s} s"),
            (Lang::En, Span::Mins(m)) => format!("{m} min"),
            (Lang::En, Span::HoursMins(h, 0) | Span::Hours(h)) => format!("{h}h"),
            (Lang::En, Span::HoursMins(h, m)) => format!("{h}h {m}m"),
            (Lang::En, Span::DaysHours(d, 0)) => format!("{d}d"),
            (Lang::En, Span::DaysHours(d, h)) => format!("{d}d {h}h"),
            (Lang::En, Span::Days(d)) => format!("{}d", n(d)),
            (lang, span) => {
                let min = pick(lang, "", "分钟", "分鐘");
                let hour = pick(lang, "", "小时", "小時");
                match span {
                    Span::Secs(s) => format!("{s} 秒"),
                    Span::Mins(m) => format!("{m} {min}"),
                    Span::HoursMins(h, 0) | Span::Hours(h) => format!("{h} {hour}"),
                    Span::HoursMins(h, m) => format!("{h} {hour} {m} 分"),
                    Span::DaysHours(d, 0) => format!("{d} 天"),
                    Span::DaysHours(d, h) => format!("{d} 天 {h} {hour}"),
                    Span::Days(d) => format!("{} 天", n(d)),
                }
            }
        }
    }

    /// A duration in one unit, for a chart axis: "45s", "30m", "4h",
    /// "1.5h", "2d" (hours and days with at most one decimal); Chinese
    /// "45秒", "30分钟" (分鐘), "4小时" (小時), "2天". Negative or
    /// non-finite: "–".
    ///
    /// ```
    /// use supportdesk::report::words::{Lang, Words};
    /// let w = Words::new(Lang::ZhHans, chrono_tz::UTC);
    /// assert_eq!(w.duration_short(4.0 * 3600.0), "4小时");
    /// assert_eq!(Words::default().duration_short(5400.0), "1.5h");
    /// ```
    pub fn duration_short(&self, seconds: f64) -> String {
        if !seconds.is_finite() || seconds < 0.0 {
            return NOT_AVAILABLE.to_owned();
        }
        let (value, unit) = {
            let secs = seconds.round();
            let mins = (seconds / 60.0).round();
            let hours = (seconds / 360.0).round() / 10.0;
            if secs < 60.0 {
                (grouped(secs as u64), self.pick("s", "秒", "秒"))
            } else if mins < 60.0 {
                (grouped(mins as u64), self.pick("m", "分钟", "分鐘"))
            } else if hours < 24.0 {
                (one_decimal(hours), self.pick("h", "小时", "小時"))
            } else {
                (one_decimal(seconds / 86_400.0), self.pick("d", "天", "天"))
            }
        };
        format!("{value}{unit}")
    }

    /// A count with its noun: "1 ticket", "2 tickets", "0 breaches",
    /// "1,477 tickets"; Chinese with its measure word: "1 张工单" (張工單),
    /// "3 条回复" (則回覆), "2 位客户" (客戶).
    pub fn count(&self, n: u64, noun: Noun) -> String {
        let [one, many, hans, hant] = noun.forms();
        let word = match self.lang {
            Lang::En if n == 1 => one,
            Lang::En => many,
            Lang::ZhHans => hans,
            Lang::ZhHant => hant,
        };
        format!("{} {word}", grouped(n))
    }

    /// A whole number with comma grouping (in every language): "1,477".
    pub fn number(&self, n: u64) -> String {
        grouped(n)
    }

    /// A share as a percentage with one decimal: 0.8803 "88.0%". Exactly 0
    /// and 1 read "0%" and "100%"; a share that would round to them but is
    /// not them reads "<0.1%" or ">99.9%" (a report never claims a perfect
    /// or a nil score it does not have). Non-finite: "–".
    ///
    /// ```
    /// use supportdesk::report::words::Words;
    /// let w = Words::default();
    /// assert_eq!(w.percent(0.8803), "88.0%");
    /// assert_eq!(w.percent(1.0), "100%");
    /// assert_eq!(w.percent(0.99996), ">99.9%");
    /// ```
    pub fn percent(&self, share: f64) -> String {
        let pct = share * 100.0;
        // A huge share overflows to infinity when scaled.
        if !pct.is_finite() {
            return NOT_AVAILABLE.to_owned();
        }
        // Within floating-point noise of 0 or 100% (a Wilson bound of a
        // zero count is 1e-17, not 0): the exact value.
        if pct.abs() < 1e-9 {
            return "0%".to_owned();
        }
        if (pct - 100.0).abs() < 1e-9 {
            return "100%".to_owned();
        }
        if pct > 0.0 && pct < 0.05 {
            return "<0.1%".to_owned();
        }
        if (99.95..100.0).contains(&pct) {
            return ">99.9%".to_owned();
        }
        if pct < 0.0 && pct > -0.05 {
            // Not "-0.0%".
            return "0.0%".to_owned();
        }
        format!("{pct:.1}%")
    }

    /// A rate with what it counts: "88.0% (993 of 1,128)"; Chinese
    /// "88.0%（1,128 中 993）". With nothing counted (`of == 0`): "no data"
    /// / 无数据 / 無資料.
    pub fn rate(&self, count: u64, of: u64) -> String {
        if of == 0 {
            return self.pick("no data", "无数据", "無資料").to_owned();
        }
        let pct = self.percent(count as f64 / of as f64);
        match self.lang {
            Lang::En => format!("{pct} ({} of {})", grouped(count), grouped(of)),
            _ => format!("{pct}（{} 中 {}）", grouped(of), grouped(count)),
        }
    }

    /// A local date and time in the zone, with its abbreviation: "Tue 31
    /// Mar 2026, 23:00 BST"; Chinese "2026年3月31日（周二）23:00 BST"
    /// (週二).
    pub fn datetime(&self, t: DateTime<Utc>) -> String {
        // The zone's own reading, saturated at the ends of chrono's range
        // (where `with_timezone` would panic).
        let local = local_datetime(t, self.tz);
        let zone = self.tz.offset_from_utc_datetime(&t.naive_utc()).to_string();
        let day = local.date();
        let (h, m) = (local.hour(), local.minute());
        match self.lang {
            Lang::En => format!(
                "{} {}, {h:02}:{m:02} {zone}",
                self.weekday(day),
                self.date_of(day)
            ),
            _ => format!(
                "{}（{}）{h:02}:{m:02} {zone}",
                self.date_of(day),
                self.weekday(day)
            ),
        }
    }

    /// The local date in the zone: "31 Mar 2026" / "2026年3月31日".
    pub fn date(&self, t: DateTime<Utc>) -> String {
        self.date_of(local_date(t, self.tz))
    }

    fn date_of(&self, d: NaiveDate) -> String {
        match self.lang {
            Lang::En => format!(
                "{} {} {}",
                d.day(),
                MONTHS_SHORT[d.month0() as usize],
                d.year()
            ),
            _ => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        }
    }

    fn weekday(&self, d: NaiveDate) -> &'static str {
        let i = d.weekday().num_days_from_monday() as usize;
        match self.lang {
            Lang::En => WEEKDAYS_EN[i],
            Lang::ZhHans => WEEKDAYS_HANS[i],
            Lang::ZhHant => WEEKDAYS_HANT[i],
        }
    }

    /// A period's label for a chart axis or a table row: a day "Mar 2" /
    /// "3月2日", an ISO week "W10" / "第10周" (第10週), a month "Mar 2026" /
    /// "2026年3月". [`Words::period_long`] names the weekday and the dates.
    pub fn period(&self, p: &Period) -> String {
        let d = p.start;
        match (self.lang, p.kind) {
            (Lang::En, PeriodKind::Day) => {
                format!("{} {}", MONTHS_SHORT[d.month0() as usize], d.day())
            }
            (_, PeriodKind::Day) => format!("{}月{}日", d.month(), d.day()),
            (Lang::En, PeriodKind::IsoWeek) => format!("W{}", d.iso_week().week()),
            (lang, PeriodKind::IsoWeek) => {
                format!("第{}{}", d.iso_week().week(), pick(lang, "", "周", "週"))
            }
            (Lang::En, PeriodKind::Month) => {
                format!("{} {}", MONTHS_SHORT[d.month0() as usize], d.year())
            }
            (_, PeriodKind::Month) => format!("{}年{}月", d.year(), d.month()),
        }
    }

    /// A period's full label: "Mon 2 Mar 2026", "Week 10, 2 to 8 Mar 2026"
    /// (across months "30 Mar to 5 Apr 2026", across years "28 Dec 2026 to
    /// 3 Jan 2027"), "March 2026"; Chinese "2026年3月2日（周一）",
    /// "第10周（2026年3月2日至8日）", "2026年3月".
    pub fn period_long(&self, p: &Period) -> String {
        let d = p.start;
        match p.kind {
            PeriodKind::Day => match self.lang {
                Lang::En => format!("{} {}", self.weekday(d), self.date_of(d)),
                _ => format!("{}（{}）", self.date_of(d), self.weekday(d)),
            },
            PeriodKind::IsoWeek => {
                let end = d.checked_add_days(Days::new(6)).unwrap_or(d);
                let week = d.iso_week().week();
                match self.lang {
                    Lang::En => {
                        let from = if d.year() != end.year() {
                            self.date_of(d)
                        } else if d.month() != end.month() {
                            format!("{} {}", d.day(), MONTHS_SHORT[d.month0() as usize])
                        } else {
                            d.day().to_string()
                        };
                        format!("Week {week}, {from} to {}", self.date_of(end))
                    }
                    lang => {
                        let to = if d.year() != end.year() {
                            self.date_of(end)
                        } else if d.month() != end.month() {
                            format!("{}月{}日", end.month(), end.day())
                        } else {
                            format!("{}日", end.day())
                        };
                        format!(
                            "第{week}{}（{}至{to}）",
                            pick(lang, "", "周", "週"),
                            self.date_of(d)
                        )
                    }
                }
            }
            PeriodKind::Month => match self.lang {
                Lang::En => format!("{} {}", MONTHS_LONG[d.month0() as usize], d.year()),
                _ => format!("{}年{}月", d.year(), d.month()),
            },
        }
    }
}

/// An id as words: `pickup_time` "Pickup time".
fn readable(id: &str) -> String {
    let spaced = id.trim().replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn en() -> Words {
        Words::new(Lang::En, chrono_tz::Europe::London)
    }
    fn hans() -> Words {
        Words::new(Lang::ZhHans, chrono_tz::Europe::London)
    }
    fn hant() -> Words {
        Words::new(Lang::ZhHant, chrono_tz::Europe::London)
    }
    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }
    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    // ---- the catalog ----

    /// Every file of `src/report/`: add a file here when you add one there.
    const REPORT_SOURCES: &[(&str, &str)] = &[
        ("build.rs", include_str!("build.rs")),
        ("customers.rs", include_str!("customers.rs")),
        ("html.rs", include_str!("html.rs")),
        ("markdown.rs", include_str!("markdown.rs")),
        ("mod.rs", include_str!("mod.rs")),
        ("model.rs", include_str!("model.rs")),
        ("words.rs", include_str!("words.rs")),
    ];

    /// The report's directory has no file the list above misses.
    #[test]
    fn every_report_file_is_scanned() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/report");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".rs"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = REPORT_SOURCES
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect();
        listed.sort();
        assert_eq!(
            on_disk, listed,
            "list every file of src/report/ in REPORT_SOURCES"
        );
    }

    /// A Rust string literal's text, its simple escapes undone.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    }

    #[test]
    fn every_key_the_report_uses_is_in_the_catalog() {
        let re = regex::Regex::new(r#"\.(t|fmt)\(\s*"((?:[^"\\]|\\.)*)""#).unwrap();
        let mut missing = Vec::new();
        let mut seen = 0;
        for (file, text) in REPORT_SOURCES {
            for cap in re.captures_iter(text) {
                seen += 1;
                let key = unescape(&cap[2]);
                if !INDEX.contains_key(key.as_str()) {
                    missing.push(format!("{file}: .{}({key:?})", &cap[1]));
                }
            }
        }
        assert!(seen > 0, "the scan finds this file's own calls");
        assert!(
            missing.is_empty(),
            "missing from CATALOG:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn catalog_has_unique_nonempty_keys() {
        assert_eq!(INDEX.len(), CATALOG.len(), "a key is in CATALOG twice");
        for (en, hans, hant) in CATALOG {
            assert!(
                !en.is_empty() && !hans.is_empty() && !hant.is_empty(),
                "{en:?}"
            );
            // A key may start with one space when the builder appends it
            // to another sentence (" The oldest is {age}."); otherwise no
            // key starts or ends with white space.
            let body = en.strip_prefix(' ').unwrap_or(en);
            assert_eq!(body.trim(), body, "{en:?}");
        }
        assert!(CATALOG.len() >= 40);
    }

    fn placeholders(s: &str) -> Vec<String> {
        let re = regex::Regex::new(r"\{([A-Za-z_][A-Za-z0-9_]*)\}").unwrap();
        let mut names: Vec<String> = re.captures_iter(s).map(|c| c[1].to_owned()).collect();
        names.sort();
        names.dedup();
        names
    }

    #[test]
    fn translations_have_the_placeholders_of_their_key() {
        for (en, hans, hant) in CATALOG {
            let want = placeholders(en);
            assert_eq!(placeholders(hans), want, "zh-Hans of {en:?}");
            assert_eq!(placeholders(hant), want, "zh-Hant of {en:?}");
        }
    }

    /// Characters only simplified Chinese uses (their traditional forms in
    /// brackets): 简(簡) 户(戶) 时(時) 对(對) 这(這) 个(個) 们(們) 间(間)
    /// 达(達) 应(應) 单(單) 复(復, 複) 务(務) 关(關) 题(題) 图(圖) 发(發)
    /// 线(線) 话(話) 统(統) 计(計) 报(報) 数(數) 满(滿) 响(響) 续(續)
    /// 类(類) 门(門) 问(問) 经(經) 验(驗) 风(風) 险(險) 电(電) 邮(郵)
    /// 语(語) 网(網) 评(評) 级(級) 处(處) 决(決) 总(總) 积(積) 压(壓)
    /// 联(聯) 标(標) 签(簽) 态(態) 钟(鐘) 长(長) 样(樣) 断(斷) 产(產)
    /// 为(為) 进(進) 趋(趨) 势(勢) 识(識) 库(庫).
    /// Left out on purpose, because traditional text uses them too: 周
    /// (周圍), 后 (皇后), 划 (划船), 据 (拮据), 价, 优, 于, 无, 系, 里.
    const SIMPLIFIED_ONLY: &str = "简户时对这个们间达应单复务关题图发线话统计报数满响续类门问经验风险电邮语网评级处决总积压联标签态钟长样断产为进趋势识库";
    /// Their traditional forms (and 週), which simplified text never uses.
    const TRADITIONAL_ONLY: &str = "簡戶時對這個們間達應單復複務關題圖發線話統計報數滿響續類門問經驗風險電郵語網評級處決總積壓聯標簽態鐘長樣斷產為進趨勢識庫週";

    /// Every text of one Chinese variant: its catalog column and every
    /// label the functions produce.
    fn all_texts(
        w: Words,
        column: fn(&(&'static str, &'static str, &'static str)) -> &'static str,
    ) -> Vec<String> {
        let mut texts: Vec<String> = CATALOG.iter().map(|e| column(e).to_owned()).collect();
        texts.extend(Noun::ALL.iter().map(|&n| w.count(2, n)));
        texts.extend(Channel::ALL.iter().map(|&c| w.channel(c)));
        texts.extend(Status::ALL.iter().map(|&s| w.status(s).to_owned()));
        texts.extend(Priority::ALL.iter().map(|&p| w.priority(p).to_owned()));
        texts.extend(METRIC_IDS.iter().map(|id| w.metric(id)));
        texts.push(w.metric("first_reply@business"));
        texts.extend(TIERS.iter().map(|t| w.tier(t)));
        texts.extend(QUADRANTS.iter().map(|&q| w.quadrant(q).to_owned()));
        texts.push(w.duration(100_800.0));
        texts.push(w.duration(8_100.0));
        texts.push(w.duration(720.0));
        texts.push(w.duration_short(60.0));
        texts.push(w.duration_short(3600.0));
        texts.push(w.rate(0, 0));
        texts.push(w.period_long(&Period::containing(PeriodKind::IsoWeek, day(2026, 3, 2))));
        texts
    }

    fn all_hant_texts() -> Vec<String> {
        all_texts(hant(), |e| e.2)
    }

    fn all_hans_texts() -> Vec<String> {
        all_texts(hans(), |e| e.1)
    }

    #[test]
    fn traditional_texts_use_no_simplified_only_character() {
        let mut bad = Vec::new();
        for text in all_hant_texts() {
            for c in text.chars().filter(|c| SIMPLIFIED_ONLY.contains(*c)) {
                bad.push(format!("{text:?} has {c}"));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn simplified_texts_use_no_traditional_only_character() {
        let mut bad = Vec::new();
        for text in all_hans_texts() {
            for c in text.chars().filter(|c| TRADITIONAL_ONLY.contains(*c)) {
                bad.push(format!("{text:?} has {c}"));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn chinese_entries_are_chinese() {
        // Each catalog entry with a CJK character in one Chinese form has
        // one in the other; the two differ when they contain a character
        // with two forms.
        let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        for (en, hans, hant) in CATALOG {
            assert_eq!(cjk(hans), cjk(hant), "{en:?}");
            if hans.chars().any(|c| SIMPLIFIED_ONLY.contains(c)) {
                assert_ne!(hans, hant, "{en:?}");
            }
        }
    }

    // ---- t and fmt ----

    #[test]
    fn t_in_three_languages() {
        assert_eq!(en().t("Key figures"), "Key figures");
        assert_eq!(hans().t("Key figures"), "关键指标");
        assert_eq!(hant().t("Key figures"), "關鍵指標");
        assert_eq!(hans().t("no data"), "无数据");
        assert_eq!(hant().t("no data"), "無資料");
        assert_eq!(hant().t("channel"), "管道");
        // A key not in the catalog reads in English.
        let key = "Not a catalog phrase";
        assert_eq!(hans().t(key), key);
        assert_eq!(hant().t(key), key);
    }

    #[test]
    fn fmt_fills_placeholders() {
        let args = |w: &Words| [("n", w.number(993)), ("of", w.number(1_128))];
        assert_eq!(
            en().fmt("{n} of {of} within target", &args(&en())),
            "993 of 1,128 within target"
        );
        assert_eq!(
            hans().fmt("{n} of {of} within target", &args(&hans())),
            "1,128 中 993 达标"
        );
        assert_eq!(
            hant().fmt("{n} of {of} within target", &args(&hant())),
            "1,128 中 993 達標"
        );
        assert_eq!(
            hant().fmt("Times in {zone}", &[("zone", "Asia/Taipei".to_owned())]),
            "時區：Asia/Taipei"
        );
        // Values are not scanned again; a brace that opens no placeholder stays.
        assert_eq!(
            fill(
                "{a} {b} { c} {} {",
                &[("a", "{b}".to_owned()), ("b", "x".to_owned())]
            ),
            "{b} x { c} {} {"
        );
        // Extra arguments are ignored.
        assert_eq!(
            fill("{n}", &[("n", "1".to_owned()), ("m", "2".to_owned())]),
            "1"
        );
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "has no value")]
    fn fmt_with_a_missing_placeholder_fails_in_debug() {
        let _ = fill("{n} of {of}", &[("n", "1".to_owned())]);
    }

    #[test]
    #[cfg(not(debug_assertions))]
    fn fmt_with_a_missing_placeholder_shows_its_name() {
        assert_eq!(fill("{n} of {of}", &[("n", "1".to_owned())]), "1 of [of]");
    }

    // ---- labels ----

    const METRIC_IDS: [&str; 15] = [
        "first_reply",
        "next_reply",
        "periodic_update",
        "pausable_update",
        "requester_wait",
        "agent_work",
        "total_resolution",
        "resolution",
        "one_touch",
        "reopened",
        "csat",
        "ces",
        "backlog",
        "fcr",
        "repeat_contact",
    ];
    const TIERS: [&str; 4] = ["Starter", "Emerging", "Riser", "Champion"];
    const QUADRANTS: [Quadrant; 4] = [
        Quadrant::Leverage,
        Quadrant::Simplify,
        Quadrant::Automate,
        Quadrant::Eliminate,
    ];

    #[test]
    fn metric_labels() {
        assert_eq!(en().metric("first_reply"), "First reply");
        assert_eq!(hans().metric("first_reply"), "首次回复");
        assert_eq!(hant().metric("first_reply"), "首次回覆");
        assert_eq!(en().metric("total_resolution"), "Total resolution");
        assert_eq!(hans().metric("requester_wait"), "客户等待时长");
        assert_eq!(hant().metric("agent_work"), "客服處理時間");
        assert_eq!(en().metric("csat"), "CSAT");
        assert_eq!(hant().metric("csat"), "客戶滿意度");
        assert_eq!(
            en().metric("first_reply@business"),
            "First reply (business hours)"
        );
        assert_eq!(
            hans().metric("first_reply@business"),
            "首次回复（工作时间）"
        );
        assert_eq!(hant().metric("next_reply@business"), "後續回覆（工作時間）");
        // Unknown ids read as words, in every language.
        assert_eq!(en().metric("pickup_time"), "Pickup time");
        assert_eq!(hans().metric("pickup-time"), "Pickup time");
        assert_eq!(en().metric(""), "");
        for w in [en(), hans(), hant()] {
            for id in METRIC_IDS {
                let label = w.metric(id);
                assert!(!label.is_empty() && !label.contains('_'), "{id}: {label}");
            }
        }
        // Every label is different within a language.
        for w in [en(), hans(), hant()] {
            let mut labels: Vec<String> = METRIC_IDS.iter().map(|id| w.metric(id)).collect();
            labels.sort();
            labels.dedup();
            assert_eq!(labels.len(), METRIC_IDS.len(), "{:?}", w.lang());
        }
    }

    #[test]
    fn channel_labels() {
        let cases = [
            (Channel::Email, "Email", "电子邮件", "電子郵件"),
            (Channel::WebForm, "Web form", "网页表单", "網頁表單"),
            (Channel::LiveChat, "Live chat", "在线聊天", "線上聊天"),
            (Channel::WhatsApp, "WhatsApp", "WhatsApp", "WhatsApp"),
            (Channel::Phone, "Phone", "电话", "電話"),
            (Channel::Voicemail, "Voicemail", "语音留言", "語音留言"),
            (Channel::Instagram, "Instagram", "Instagram", "Instagram"),
            (Channel::Sms, "SMS", "短信", "簡訊"),
        ];
        for (c, e, s, t) in cases {
            assert_eq!(en().channel(c), e);
            assert_eq!(hans().channel(c), s);
            assert_eq!(hant().channel(c), t);
        }
        for w in [en(), hans(), hant()] {
            let mut labels: Vec<String> = Channel::ALL.iter().map(|&c| w.channel(c)).collect();
            labels.sort();
            labels.dedup();
            assert_eq!(labels.len(), Channel::ALL.len(), "{:?}", w.lang());
        }
    }

    #[test]
    fn priority_status_tier_quadrant_labels() {
        let p: Vec<_> = Priority::ALL.iter().map(|&p| hans().priority(p)).collect();
        assert_eq!(p, ["低", "普通", "高", "紧急"]);
        let p: Vec<_> = Priority::ALL.iter().map(|&p| hant().priority(p)).collect();
        assert_eq!(p, ["低", "普通", "高", "緊急"]);
        let p: Vec<_> = Priority::ALL.iter().map(|&p| en().priority(p)).collect();
        assert_eq!(p, ["Low", "Normal", "High", "Urgent"]);

        let s: Vec<_> = Status::ALL.iter().map(|&s| en().status(s)).collect();
        assert_eq!(s, ["New", "Open", "Pending", "On hold", "Solved", "Closed"]);
        let s: Vec<_> = Status::ALL.iter().map(|&s| hans().status(s)).collect();
        assert_eq!(s, ["新建", "处理中", "待回复", "挂起", "已解决", "已关闭"]);
        let s: Vec<_> = Status::ALL.iter().map(|&s| hant().status(s)).collect();
        assert_eq!(s, ["新建", "處理中", "待回覆", "擱置", "已解決", "已關閉"]);

        assert_eq!(en().tier("Champion"), "Champion");
        assert_eq!(hans().tier("Champions"), "领先者");
        assert_eq!(hant().tier("champion"), "領先者");
        assert_eq!(hans().tier("Starter"), "起步者");
        assert_eq!(hans().tier("Emerging"), "新兴者");
        assert_eq!(hant().tier("Emerging"), "新興者");
        assert_eq!(hant().tier("Risers"), "進階者");
        assert_eq!(hant().tier("Gold"), "Gold");

        let q: Vec<_> = QUADRANTS.iter().map(|&q| en().quadrant(q)).collect();
        assert_eq!(q, ["Leverage", "Simplify", "Automate", "Eliminate"]);
        let q: Vec<_> = QUADRANTS.iter().map(|&q| hans().quadrant(q)).collect();
        assert_eq!(q, ["发挥", "简化", "自动化", "消除"]);
        let q: Vec<_> = QUADRANTS.iter().map(|&q| hant().quadrant(q)).collect();
        assert_eq!(q, ["發揮", "簡化", "自動化", "消除"]);
        // The English names are the crate's own.
        for q in QUADRANTS {
            assert_eq!(en().quadrant(q), q.name());
        }
    }

    // ---- durations ----

    const H: f64 = 3600.0;
    const D: f64 = 86_400.0;

    #[test]
    fn durations_in_three_languages() {
        let cases: [(f64, &str, &str, &str); 17] = [
            (0.0, "0 s", "0 秒", "0 秒"),
            (44.6, "45 s", "45 秒", "45 秒"),
            (59.4, "59 s", "59 秒", "59 秒"),
            (59.6, "1 min", "1 分钟", "1 分鐘"),
            (60.0, "1 min", "1 分钟", "1 分鐘"),
            (12.0 * 60.0, "12 min", "12 分钟", "12 分鐘"),
            (3599.0, "1h", "1 小时", "1 小時"),
            (3600.0, "1h", "1 小时", "1 小時"),
            (
                2.0 * H + 15.0 * 60.0,
                "2h 15m",
                "2 小时 15 分",
                "2 小時 15 分",
            ),
            (
                8.0 * H + 55.0 * 60.0 + 4.0,
                "8h 55m",
                "8 小时 55 分",
                "8 小時 55 分",
            ),
            (10.0 * H, "10h", "10 小时", "10 小時"),
            (14.0 * H + 20.0 * 60.0, "14h", "14 小时", "14 小時"),
            (23.0 * H + 40.0 * 60.0, "1d", "1 天", "1 天"),
            (D + 4.0 * H, "1d 4h", "1 天 4 小时", "1 天 4 小時"),
            (6.0 * D + 23.0 * H + 40.0 * 60.0, "7d", "7 天", "7 天"),
            (9.0 * D + 3.0 * H, "9d", "9 天", "9 天"),
            (1_500.0 * D, "1,500d", "1,500 天", "1,500 天"),
        ];
        for (s, e, zs, zt) in cases {
            assert_eq!(en().duration(s), e, "{s}");
            assert_eq!(hans().duration(s), zs, "{s}");
            assert_eq!(hant().duration(s), zt, "{s}");
        }
        for bad in [-1.0, -0.4, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for w in [en(), hans(), hant()] {
                assert_eq!(w.duration(bad), "–");
                assert_eq!(w.duration_short(bad), "–");
            }
        }
        assert_eq!(en().duration(-0.0), "0 s");
    }

    #[test]
    fn short_durations_in_three_languages() {
        let cases: [(f64, &str, &str, &str); 8] = [
            (0.0, "0s", "0秒", "0秒"),
            (45.0, "45s", "45秒", "45秒"),
            (59.6, "1m", "1分钟", "1分鐘"),
            (30.0 * 60.0, "30m", "30分钟", "30分鐘"),
            (4.0 * H, "4h", "4小时", "4小時"),
            (1.5 * H, "1.5h", "1.5小时", "1.5小時"),
            (2.0 * D, "2d", "2天", "2天"),
            (23.99 * H, "1d", "1天", "1天"),
        ];
        for (s, e, zs, zt) in cases {
            assert_eq!(en().duration_short(s), e, "{s}");
            assert_eq!(hans().duration_short(s), zs, "{s}");
            assert_eq!(hant().duration_short(s), zt, "{s}");
        }
        assert_eq!(en().duration_short(2.5 * D), "2.5d");
        assert_eq!(en().duration_short(1_234.0 * D), "1,234d");
    }

    // ---- counts, numbers, percentages, rates ----

    #[test]
    fn counts_with_plurals_and_measure_words() {
        assert_eq!(en().count(0, Noun::Ticket), "0 tickets");
        assert_eq!(en().count(1, Noun::Ticket), "1 ticket");
        assert_eq!(en().count(2, Noun::Ticket), "2 tickets");
        assert_eq!(en().count(1, Noun::Breach), "1 breach");
        assert_eq!(en().count(3, Noun::Breach), "3 breaches");
        assert_eq!(en().count(2, Noun::Reply), "2 replies");
        assert_eq!(en().count(1_477, Noun::Ticket), "1,477 tickets");
        assert_eq!(hans().count(0, Noun::Ticket), "0 张工单");
        assert_eq!(hans().count(1, Noun::Ticket), "1 张工单");
        assert_eq!(hans().count(2, Noun::Reply), "2 条回复");
        assert_eq!(hant().count(2, Noun::Reply), "2 則回覆");
        assert_eq!(hant().count(1, Noun::Customer), "1 位客戶");
        assert_eq!(hans().count(1_477, Noun::Customer), "1,477 位客户");
        assert_eq!(hant().count(2, Noun::Week), "2 週");
        assert_eq!(hans().count(2, Noun::Week), "2 周");
        assert_eq!(hans().count(7, Noun::Trait), "7 项特征");
        assert_eq!(hant().count(7, Noun::Trait), "7 項特徵");
        for n in Noun::ALL {
            let [one, many, _, _] = n.forms();
            assert_eq!(en().count(1, n), format!("1 {one}"));
            assert_eq!(en().count(2, n), format!("2 {many}"));
            assert_ne!(one, many);
        }
    }

    #[test]
    fn numbers_are_grouped() {
        for w in [en(), hans(), hant()] {
            assert_eq!(w.number(0), "0");
            assert_eq!(w.number(999), "999");
            assert_eq!(w.number(1_000), "1,000");
            assert_eq!(w.number(1_477), "1,477");
            assert_eq!(w.number(1_234_567), "1,234,567");
            assert_eq!(w.number(u64::MAX), "18,446,744,073,709,551,615");
        }
    }

    #[test]
    fn percentages() {
        let w = en();
        assert_eq!(w.percent(0.8803), "88.0%");
        assert_eq!(w.percent(0.88049), "88.0%");
        assert_eq!(w.percent(0.5), "50.0%");
        assert_eq!(w.percent(1.0), "100%");
        assert_eq!(w.percent(0.0), "0%");
        assert_eq!(w.percent(-0.0), "0%");
        assert_eq!(w.percent(0.9999), ">99.9%");
        assert_eq!(w.percent(0.999), "99.9%");
        assert_eq!(w.percent(0.0001), "<0.1%");
        assert_eq!(w.percent(0.001), "0.1%");
        assert_eq!(w.percent(1.25), "125.0%");
        assert_eq!(w.percent(-0.25), "-25.0%");
        assert_eq!(w.percent(-0.0001), "0.0%");
        assert_eq!(w.percent(f64::NAN), "–");
        assert_eq!(w.percent(f64::INFINITY), "–");
        assert_eq!(w.percent(f64::MAX), "–");
        assert_eq!(hant().percent(0.8803), "88.0%");
    }

    #[test]
    fn rates() {
        assert_eq!(en().rate(993, 1_128), "88.0% (993 of 1,128)");
        assert_eq!(hans().rate(993, 1_128), "88.0%（1,128 中 993）");
        assert_eq!(hant().rate(993, 1_128), "88.0%（1,128 中 993）");
        assert_eq!(en().rate(5, 5), "100% (5 of 5)");
        assert_eq!(en().rate(0, 5), "0% (0 of 5)");
        assert_eq!(en().rate(0, 0), "no data");
        assert_eq!(hans().rate(0, 0), "无数据");
        assert_eq!(hant().rate(3, 0), "無資料");
    }

    // ---- dates and times ----

    #[test]
    fn datetimes_across_the_spring_change_in_london() {
        // 2026-03-29 01:00 UTC: clocks go from 01:00 GMT to 02:00 BST.
        let before = at("2026-03-29T00:30:00Z");
        let after = at("2026-03-29T01:30:00Z");
        assert_eq!(en().datetime(before), "Sun 29 Mar 2026, 00:30 GMT");
        assert_eq!(en().datetime(after), "Sun 29 Mar 2026, 02:30 BST");
        assert_eq!(hans().datetime(before), "2026年3月29日（周日）00:30 GMT");
        assert_eq!(hant().datetime(after), "2026年3月29日（週日）02:30 BST");
        assert_eq!(
            en().datetime(at("2026-03-31T22:00:00Z")),
            "Tue 31 Mar 2026, 23:00 BST"
        );
        assert_eq!(
            hans().datetime(at("2026-03-31T22:00:00Z")),
            "2026年3月31日（周二）23:00 BST"
        );
        assert_eq!(
            hant().datetime(at("2026-03-31T22:00:00Z")),
            "2026年3月31日（週二）23:00 BST"
        );
    }

    #[test]
    fn datetimes_across_the_autumn_change_in_london() {
        // 2026-10-25 01:00 UTC: clocks go back from 02:00 BST to 01:00 GMT,
        // so 01:30 local happens twice.
        assert_eq!(
            en().datetime(at("2026-10-25T00:30:00Z")),
            "Sun 25 Oct 2026, 01:30 BST"
        );
        assert_eq!(
            en().datetime(at("2026-10-25T01:30:00Z")),
            "Sun 25 Oct 2026, 01:30 GMT"
        );
        assert_eq!(
            hant().datetime(at("2026-10-25T01:30:00Z")),
            "2026年10月25日（週日）01:30 GMT"
        );
    }

    #[test]
    fn datetimes_and_dates_in_shanghai() {
        let w = Words::new(Lang::ZhHans, chrono_tz::Asia::Shanghai);
        assert_eq!(w.time_zone(), chrono_tz::Asia::Shanghai);
        assert_eq!(w.lang(), Lang::ZhHans);
        // Sunday 23:30 UTC is already Monday in Shanghai.
        let t = at("2026-03-08T23:30:00Z");
        assert_eq!(w.datetime(t), "2026年3月9日（周一）07:30 CST");
        assert_eq!(w.date(t), "2026年3月9日");
        let e = Words::new(Lang::En, chrono_tz::Asia::Shanghai);
        assert_eq!(e.datetime(t), "Mon 9 Mar 2026, 07:30 CST");
        assert_eq!(e.date(t), "9 Mar 2026");
        assert_eq!(en().date(t), "8 Mar 2026");
        assert_eq!(hant().date(t), "2026年3月8日");
    }

    #[test]
    fn datetimes_at_the_ends_of_time_do_not_panic() {
        for tz in [
            chrono_tz::Asia::Shanghai,
            chrono_tz::America::Los_Angeles,
            chrono_tz::UTC,
        ] {
            for lang in Lang::ALL {
                let w = Words::new(lang, tz);
                for t in [
                    DateTime::<Utc>::MIN_UTC,
                    DateTime::<Utc>::MAX_UTC,
                    DateTime::<Utc>::UNIX_EPOCH,
                ] {
                    assert!(!w.datetime(t).is_empty());
                    assert!(!w.date(t).is_empty());
                }
            }
        }
    }

    // ---- periods ----

    #[test]
    fn period_labels() {
        let d = Period::containing(PeriodKind::Day, day(2026, 3, 2));
        let wk = Period::containing(PeriodKind::IsoWeek, day(2026, 3, 4));
        let m = Period::containing(PeriodKind::Month, day(2026, 3, 17));
        assert_eq!(en().period(&d), "Mar 2");
        assert_eq!(hans().period(&d), "3月2日");
        assert_eq!(hant().period(&d), "3月2日");
        assert_eq!(en().period(&wk), "W10");
        assert_eq!(hans().period(&wk), "第10周");
        assert_eq!(hant().period(&wk), "第10週");
        assert_eq!(en().period(&m), "Mar 2026");
        assert_eq!(hans().period(&m), "2026年3月");
        assert_eq!(hant().period(&m), "2026年3月");

        assert_eq!(en().period_long(&d), "Mon 2 Mar 2026");
        assert_eq!(hans().period_long(&d), "2026年3月2日（周一）");
        assert_eq!(hant().period_long(&d), "2026年3月2日（週一）");
        assert_eq!(en().period_long(&wk), "Week 10, 2 to 8 Mar 2026");
        assert_eq!(hans().period_long(&wk), "第10周（2026年3月2日至8日）");
        assert_eq!(hant().period_long(&wk), "第10週（2026年3月2日至8日）");
        assert_eq!(en().period_long(&m), "March 2026");
        assert_eq!(hans().period_long(&m), "2026年3月");
        assert_eq!(hant().period_long(&m), "2026年3月");
    }

    #[test]
    fn week_labels_across_months_and_years() {
        // 2026-12-28 is the Monday of ISO week 53 of 2026.
        let w53 = Period::containing(PeriodKind::IsoWeek, day(2026, 12, 31));
        assert_eq!(w53.start, day(2026, 12, 28));
        assert_eq!(en().period(&w53), "W53");
        assert_eq!(hans().period(&w53), "第53周");
        assert_eq!(hant().period(&w53), "第53週");
        assert_eq!(en().period_long(&w53), "Week 53, 28 Dec 2026 to 3 Jan 2027");
        assert_eq!(
            hans().period_long(&w53),
            "第53周（2026年12月28日至2027年1月3日）"
        );
        assert_eq!(
            hant().period_long(&w53),
            "第53週（2026年12月28日至2027年1月3日）"
        );
        let w14 = Period::containing(PeriodKind::IsoWeek, day(2026, 4, 1));
        assert_eq!(en().period_long(&w14), "Week 14, 30 Mar to 5 Apr 2026");
        assert_eq!(hans().period_long(&w14), "第14周（2026年3月30日至4月5日）");
        // Week 1 of 2026 starts in 2025.
        let w1 = Period::containing(PeriodKind::IsoWeek, day(2026, 1, 1));
        assert_eq!(en().period(&w1), "W1");
        assert_eq!(en().period_long(&w1), "Week 1, 29 Dec 2025 to 4 Jan 2026");
        // The last week chrono can hold does not panic.
        let last = Period::containing(PeriodKind::IsoWeek, NaiveDate::MAX);
        for w in [en(), hans(), hant()] {
            assert!(!w.period_long(&last).is_empty());
            assert!(!w.period(&last).is_empty());
        }
    }

    // ---- Lang ----

    #[test]
    fn lang_parses_tags_and_regions() {
        for (s, l) in [
            ("en", Lang::En),
            ("EN", Lang::En),
            ("zh-Hans", Lang::ZhHans),
            ("zh-hans", Lang::ZhHans),
            ("zh-CN", Lang::ZhHans),
            ("zh_cn", Lang::ZhHans),
            ("zh-SG", Lang::ZhHans),
            ("zh-Hant", Lang::ZhHant),
            ("ZH-TW", Lang::ZhHant),
            ("zh-HK", Lang::ZhHant),
            ("zh-mo", Lang::ZhHant),
        ] {
            assert_eq!(s.parse::<Lang>(), Ok(l), "{s}");
        }
        let err = "fr-FR".parse::<Lang>().unwrap_err();
        assert_eq!(err, UnknownLang("fr-FR".to_owned()));
        assert!(err.to_string().contains("\"fr-FR\""), "{err}");
        assert!("zh".parse::<Lang>().is_err());
        assert!("".parse::<Lang>().is_err());
        assert_eq!(Lang::default(), Lang::En);
        assert_eq!(Words::default().lang(), Lang::En);
        assert_eq!(Words::default().time_zone(), chrono_tz::UTC);
    }

    #[test]
    fn lang_serde_names() {
        assert_eq!(serde_json::to_string(&Lang::En).unwrap(), "\"en\"");
        assert_eq!(serde_json::to_string(&Lang::ZhHans).unwrap(), "\"zh-Hans\"");
        assert_eq!(serde_json::to_string(&Lang::ZhHant).unwrap(), "\"zh-Hant\"");
        assert_eq!(
            serde_json::from_str::<Lang>("\"zh-CN\"").unwrap(),
            Lang::ZhHans
        );
        assert_eq!(
            serde_json::from_str::<Lang>("\"zh-TW\"").unwrap(),
            Lang::ZhHant
        );
        assert!(serde_json::from_str::<Lang>("\"fr\"").is_err());
    }

    proptest! {
        /// No f64 makes a duration panic or print NaN, inf or a minus sign.
        #[test]
        fn durations_never_panic_or_print_nonsense(s in proptest::num::f64::ANY, i in 0..3usize) {
            let w = Words::new(Lang::ALL[i], chrono_tz::UTC);
            for text in [w.duration(s), w.duration_short(s)] {
                prop_assert!(!text.is_empty());
                let lower = text.to_ascii_lowercase();
                prop_assert!(!lower.contains("nan") && !lower.contains("inf"), "{s}: {text}");
                prop_assert!(!text.contains('-'), "{s}: {text}");
            }
        }

        /// Percentages never print NaN or inf either.
        #[test]
        fn percentages_never_print_nonsense(s in proptest::num::f64::ANY) {
            let text = en().percent(s);
            let lower = text.to_ascii_lowercase();
            prop_assert!(!lower.contains("nan") && !lower.contains("inf"), "{s}: {text}");
        }

        /// A language round-trips through Display/FromStr (in any case)
        /// and through serde.
        #[test]
        fn lang_round_trips(i in 0..3usize, upper in proptest::collection::vec(any::<bool>(), 8)) {
            let lang = Lang::ALL[i];
            let text = lang.to_string();
            prop_assert_eq!(text.parse::<Lang>(), Ok(lang));
            let mangled: String = text
                .chars()
                .zip(upper.iter().cycle())
                .map(|(c, &u)| if u { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                .collect();
            prop_assert_eq!(mangled.parse::<Lang>(), Ok(lang));
            let json = serde_json::to_string(&lang).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(json, format!("\"{text}\""));
            let back: Lang = serde_json::from_str(&format!("\"{text}\"")).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, lang);
        }
    }
}
