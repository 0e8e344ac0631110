package redgrid

import (
	"fmt"
	"strconv"
)

// CaseFigure is one figure of the case loop with the counts it is computed from and its formula
// (zh-CN and English), so that every figure on a screen can be checked by hand.
type CaseFigure struct {
	Key         string   `json:"key"`
	Label       string   `json:"label"`
	Value       *float64 `json:"value"` // a share in [0, 1]; null when the denominator is 0
	Numerator   float64  `json:"numerator"`
	Denominator float64  `json:"denominator"`
	Formula     string   `json:"formula"`
	FormulaEN   string   `json:"formula_en"`
}

// SatisfactionWeights are the weights of 满意 and 基本满意 in 满意率 (issue 5: "weights
// configurable"); 不满意 weighs 0.
type SatisfactionWeights struct {
	Satisfied float64 // 满意, default 1
	Basic     float64 // 基本满意, default 0.9
}

// DefaultSatisfactionWeights are the weights of the practice: 满意 1, 基本满意 0.9.
var DefaultSatisfactionWeights = SatisfactionWeights{Satisfied: 1, Basic: 0.9}

// Validate checks that each weight is a share: 满意 above 0 and at most 1, 基本满意 from 0 up to
// 满意's weight (基本满意 cannot count more than 满意).
func (w SatisfactionWeights) Validate() error {
	if !(w.Satisfied > 0 && w.Satisfied <= 1) {
		return fmt.Errorf("the weight of 满意 must be above 0 and at most 1, not %v", w.Satisfied)
	}
	if !(w.Basic >= 0 && w.Basic <= 1) {
		return fmt.Errorf("the weight of 基本满意 must be from 0 to 1, not %v", w.Basic)
	}
	if w.Basic > w.Satisfied {
		return fmt.Errorf("the weight of 基本满意 (%v) must not exceed that of 满意 (%v)", w.Basic, w.Satisfied)
	}
	return nil
}

// weighted writes "k × name" ("name" when k is 1).
func weighted(k float64, name string) string {
	if k == 1 {
		return name
	}
	return trimFloat(k) + " × " + name
}

func figure(key, label string, num, den float64, formula, formulaEN string) CaseFigure {
	f := CaseFigure{Key: key, Label: label, Numerator: num, Denominator: den, Formula: formula, FormulaEN: formulaEN}
	if den > 0 {
		v := num / den
		f.Value = &v
	}
	return f
}

// InProgress is the number of cases received and neither closed, voided nor suspended.
func InProgress(c map[string]int64) int64 {
	n := c["received"] - c["closed"] - c["voided"] - c["suspended"]
	if n < 0 {
		return 0
	}
	return n
}

// CaseRates computes the rates of the case loop from the rollup counts of a node and period
// (cases received in the period, as they stand now), with the weights w of 满意率.
func CaseRates(c map[string]int64, w SatisfactionWeights) []CaseFigure {
	f := func(k string) float64 { return float64(c[k]) }
	return []CaseFigure{
		figure("close_rate", "结案率", f("closed"), f("registered"), "结案数 ÷ 立案数", "closed ÷ registered"),
		figure("on_time_close_rate", "按期结案率", f("closed_on_time"), f("due")-f("suspended"),
			"按期结案数 ÷ (应结案数 − 挂账数)", "closed on time ÷ (due − suspended)"),
		figure("rework_rate", "返工率", f("reworked"), f("handled"), "返工案件数 ÷ 处置反馈案件数", "cases reworked ÷ cases fed back"),
		figure("extension_rate", "延期率", f("extended"), f("registered"), "延期案件数 ÷ 立案数", "cases extended ÷ registered"),
		figure("response_rate", "响应率", f("responded"), f("dispatched"), "按时签收案件数 ÷ 派遣案件数", "accepted within the limit ÷ dispatched"),
		figure("resolve_rate", "解决率", f("resolved"), f("callbacks"), "回访已解决数 ÷ 有效回访数", "resolved at call-back ÷ valid call-backs"),
		figure("satisfaction_rate", "满意率", w.Satisfied*f("satisfied")+w.Basic*f("basic"), f("callbacks"),
			"("+weighted(w.Satisfied, "满意数")+" + "+weighted(w.Basic, "基本满意数")+") ÷ 有效回访数",
			"("+weighted(w.Satisfied, "satisfied")+" + "+weighted(w.Basic, "basically satisfied")+") ÷ valid call-backs"),
	}
}

// MatterRates computes the figures of 三事分办 (001) from the rollup counts: the share of each
// matter among the cases received (as they are classified now) and the community
// self-governance's on-time rate, the community counted as a handler.
func MatterRates(c map[string]int64) []CaseFigure {
	f := func(k string) float64 { return float64(c[k]) }
	split := f("received_public") + f("received_community") + f("received_private")
	return []CaseFigure{
		figure("public_share", "公事占比", f("received_public"), split, "公事数 ÷ (公事数 + 众事数 + 私事数)", "public ÷ (public + community + private)"),
		figure("community_share", "众事占比", f("received_community"), split, "众事数 ÷ (公事数 + 众事数 + 私事数)", "community ÷ (public + community + private)"),
		figure("private_share", "私事占比", f("received_private"), split, "私事数 ÷ (公事数 + 众事数 + 私事数)", "private ÷ (public + community + private)"),
		figure("self_governance_on_time_rate", "社区自治按期办结率", f("self_handled_on_time"), f("self_handled"),
			"社区自治按期反馈数 ÷ 社区自治反馈数", "fed back by the community on time ÷ fed back by the community"),
	}
}

// DepartmentRates computes a department's figures from its rollup counts.
func DepartmentRates(c map[string]int64) []CaseFigure {
	f := func(k string) float64 { return float64(c[k]) }
	return []CaseFigure{
		figure("avg_accept_hours", "平均签收用时(工作小时)", f("accept_seconds")/3600, f("accepted"), "签收用时合计 ÷ 签收数", "working time to accept ÷ accepted"),
		figure("accept_on_time_rate", "按时签收率", f("accepted_on_time"), f("accepted"), "按时签收数 ÷ 签收数", "accepted on time ÷ accepted"),
		figure("on_time_rate", "按期处置率", f("handled_on_time"), f("handled"), "按期处置数 ÷ 处置数", "handled on time ÷ handled"),
		figure("return_rate", "退单率", f("returned"), f("dispatched"), "退单数 ÷ 派遣数", "returned ÷ dispatched"),
	}
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
