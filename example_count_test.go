package khabar_test

import (
	"fmt"

	"github.com/khabar/khabar"
)

func ExampleFormatCount() {
	fmt.Println(khabar.FormatCount(491, "hi"), "शेयर")
	fmt.Println(khabar.FormatCount(1_400, "hi"), "व्यूज़")
	fmt.Println(khabar.FormatCount(4_22_087, "hi"))
	fmt.Println(khabar.FormatCount(3_10_00_000, "hi"))
	fmt.Println(khabar.FormatCount(4_22_087, "en-IN"))
	fmt.Println(khabar.FormatCount(4_22_087, "ur"))
	// Output:
	// 491 शेयर
	// 1.4 हज़ार व्यूज़
	// 4.2 लाख
	// 3.1 करोड़
	// 4.2 lakh
	// ۴٫۲ لاکھ
}

func ExampleCountFormat() {
	intl := khabar.CountFormat{International: true}
	fmt.Println(intl.Format(4_22_087, "en"))
	full := khabar.CountFormat{Full: true}
	fmt.Println(full.Format(4_22_087, "hi"))
	fmt.Println(full.Format(4_22_087, "ur"))
	// Output:
	// 422K
	// 4,22,087
	// ۴٬۲۲٬۰۸۷
}
