#include "server/core/quantity.hpp"

#include <array>
#include <cctype>

namespace sb::server {

namespace {

constexpr Milli kLimit = [] {
    Milli v = 1;
    for (int i = 0; i < 30; ++i) v *= 10;
    return v;
}();

bool digit(char c) { return c >= '0' && c <= '9'; }

bool checked_mul(Milli& v, Milli by) {
    if (__builtin_mul_overflow(v, by, &v)) return false;
    return v <= kLimit * 1000;  // headroom for the final scaling
}

Milli pow10(int n) {
    Milli v = 1;
    for (int i = 0; i < n; ++i) v *= 10;
    return v;
}

std::string to_string(Milli v) {
    if (v == 0) return "0";
    std::string out;
    for (; v > 0; v /= 10) out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    return out;
}

}  // namespace

std::optional<Milli> parse_quantity(std::string_view text) {
    std::size_t i = 0;
    std::string digits;  // the significant digits, integer part then fraction
    int fraction = 0;
    bool any = false;
    while (i < text.size() && digit(text[i])) digits += text[i++], any = true;
    if (i < text.size() && text[i] == '.') {
        ++i;
        bool frac_any = false;
        while (i < text.size() && digit(text[i])) digits += text[i++], ++fraction, frac_any = true;
        if (!any && !frac_any) return std::nullopt;  // "." alone
        any = true;
    }
    if (!any) return std::nullopt;
    // Trailing zeros of the fraction add nothing; leading zeros neither.
    while (fraction > 0 && digits.back() == '0') digits.pop_back(), --fraction;
    auto first = digits.find_first_not_of('0');
    digits = first == std::string::npos ? std::string() : digits.substr(first);

    std::string_view suffix = text.substr(i);
    Milli binary = 1;
    int exponent = 0;  // decimal
    if (suffix.size() == 2 && suffix[1] == 'i') {
        static constexpr std::string_view kBinary = "KMGTPE";
        auto at = kBinary.find(suffix[0]);
        if (at == std::string_view::npos) return std::nullopt;
        binary = Milli{1} << (10 * (at + 1));
    } else if (suffix.size() == 1) {
        switch (suffix[0]) {
            case 'n': exponent = -9; break;
            case 'u': exponent = -6; break;
            case 'm': exponent = -3; break;
            case 'k': exponent = 3; break;
            case 'M': exponent = 6; break;
            case 'G': exponent = 9; break;
            case 'T': exponent = 12; break;
            case 'P': exponent = 15; break;
            case 'E': exponent = 18; break;
            default: return std::nullopt;
        }
    } else if (suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) {
        std::size_t j = 1;
        bool negative = false;
        if (suffix[j] == '+' || suffix[j] == '-') negative = suffix[j++] == '-';
        if (j == suffix.size()) return std::nullopt;
        int e = 0;
        for (; j < suffix.size(); ++j) {
            if (!digit(suffix[j])) return std::nullopt;
            e = e * 10 + (suffix[j] - '0');
            if (e > 1000) return std::nullopt;
        }
        exponent = negative ? -e : e;
    } else if (!suffix.empty()) {
        return std::nullopt;
    }
    if (digits.empty()) return Milli{0};
    if (digits.size() > 36) return std::nullopt;
    Milli value = 0;
    for (char c : digits) value = value * 10 + (c - '0');
    // value × binary × 10^exponent × 1000 / 10^fraction, rounded up.
    int scale = exponent + 3 - fraction;
    if (!checked_mul(value, binary)) return std::nullopt;
    if (scale >= 0) {
        if (scale > 33) return std::nullopt;
        if (!checked_mul(value, pow10(scale))) return std::nullopt;
    } else {
        if (-scale > 36) return Milli{1};  // a positive amount too small for a thousandth still counts
        Milli divisor = pow10(-scale);
        value = (value + divisor - 1) / divisor;
    }
    if (value > kLimit * 1000) return std::nullopt;
    return value;
}

std::string format_cpu(Milli milli) {
    if (milli % 1000 == 0) return to_string(milli / 1000);
    return to_string(milli) + "m";
}

std::string format_memory(Milli milli) {
    if (milli % 1000 != 0) return to_string(milli) + "m";
    Milli bytes = milli / 1000;
    if (bytes == 0) return "0";
    static constexpr std::array<std::string_view, 6> kBinary = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    for (int u = 5; u >= 0; --u) {
        Milli unit = Milli{1} << (10 * (u + 1));
        if (bytes % unit == 0) return to_string(bytes / unit) + std::string(kBinary[static_cast<std::size_t>(u)]);
    }
    static constexpr std::array<std::string_view, 6> kDecimal = {"k", "M", "G", "T", "P", "E"};
    for (int u = 5; u >= 0; --u) {
        Milli unit = pow10(3 * (u + 1));
        if (bytes % unit == 0) return to_string(bytes / unit) + std::string(kDecimal[static_cast<std::size_t>(u)]);
    }
    return to_string(bytes);
}

}  // namespace sb::server
