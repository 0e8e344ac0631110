package pii

import "strings"

// Masking follows what Chinese government and bank systems show (and GB/T 35273 asks for:
// de-identified display): enough to recognise one's own record, too little to call or find a
// person.

// MaskID keeps the first six characters (the region) and the last four of an ID number:
// 420302********1234. A value of ten characters or fewer is starred whole.
func MaskID(s string) string { return keepEnds([]rune(NormalizeID(s)), 6, 4) }

// MaskPhone keeps the first three and the last four digits: 138****1234, 071****3456. A value of
// seven characters or fewer is starred whole.
func MaskPhone(s string) string { return keepEnds([]rune(s), 3, 4) }

func keepEnds(r []rune, head, tail int) string {
	if len(r) == 0 {
		return ""
	}
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// compoundSurnames are the two-character surnames (复姓) common enough to meet.
var compoundSurnames = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离
		端木 独孤 南宫 西门 百里 呼延 万俟 澹台 公冶 太史 申屠 闻人 赫连 拓跋 东郭 濮阳 淳于 单于 左丘 公羊
		司空 羊舌 微生 梁丘 谷梁 宰父 段干 漆雕 乐正 壤驷 公良 第五 鲜于 闾丘 亓官 司寇 子车 颛孙 巫马 公西`) {
		compoundSurnames[s] = true
	}
}

// MaskName keeps the surname and stars the given name, one star a character: 张三 → 张*,
// 李小明 → 李**, 欧阳娜娜 → 欧阳** (a two-character surname of three characters or more). A name
// of one character is starred whole; a name in other scripts keeps its first letter
// (John Smith → J*********), and a name of the 少数民族 written with a middle dot keeps its first
// character (买买提·艾力 → 买*****).
func MaskName(s string) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	switch {
	case len(r) == 0:
		return ""
	case len(r) == 1:
		return "*"
	case len(r) >= 3 && compoundSurnames[string(r[:2])]:
		return string(r[:2]) + strings.Repeat("*", len(r)-2)
	}
	return string(r[:1]) + strings.Repeat("*", len(r)-1)
}
