using System.Globalization;
using System.Text;

namespace Ates.Grains.Interfaces;

/// <summary>What counts as text a person can see: a title or a name of only spaces or zero-width characters shows as a blank.</summary>
public static class TextRules
{
    /// <summary>True when the text has at least one character that is not white space, a control or a format character (U+200B and kin).</summary>
    public static bool IsVisible(string? text)
    {
        if (string.IsNullOrEmpty(text)) return false;
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune)) continue;
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator) continue;
            // Hangul fillers and braille blank draw nothing, yet are letters or symbols by category.
            if (rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800) continue;
            return true;
        }
        return false;
    }
}
