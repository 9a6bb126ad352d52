#include "common/rfc3339.hpp"

#include <charconv>
#include <ctime>

namespace sb {

namespace {

// Reads exactly `digits` decimal digits from the front of `text`.
std::optional<int> take_number(std::string_view& text, std::size_t digits) {
    if (text.size() < digits) return std::nullopt;
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
    if (ec != std::errc() || end != text.data() + digits) return std::nullopt;
    text.remove_prefix(digits);
    return value;
}

bool take_char(std::string_view& text, char c) {
    if (text.empty() || (text.front() != c && !(c == 'T' && text.front() == 't'))) return false;
    text.remove_prefix(1);
    return true;
}

}  // namespace

std::string format_rfc3339(Clock::time_point moment, Precision precision) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(moment);
    const std::time_t tt = Clock::to_time_t(seconds);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out(buf, n);
    if (precision == Precision::microseconds) {
        const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(moment - seconds).count();
        char frac[24];
        std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros));
        out += frac;
    }
    out += 'Z';
    return out;
}

std::string now_rfc3339(Precision precision) { return format_rfc3339(Clock::now(), precision); }

std::optional<Clock::time_point> parse_rfc3339(std::string_view text) {
    auto year = take_number(text, 4);
    if (!year || !take_char(text, '-')) return std::nullopt;
    auto month = take_number(text, 2);
    if (!month || !take_char(text, '-')) return std::nullopt;
    auto day = take_number(text, 2);
    if (!day || !take_char(text, 'T')) return std::nullopt;
    auto hour = take_number(text, 2);
    if (!hour || !take_char(text, ':')) return std::nullopt;
    auto minute = take_number(text, 2);
    if (!minute || !take_char(text, ':')) return std::nullopt;
    auto second = take_number(text, 2);
    if (!second) return std::nullopt;
    if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60)
        return std::nullopt;

    std::chrono::microseconds fraction{0};
    if (take_char(text, '.')) {
        long long scale = 100000, micros = 0;
        std::size_t digits = 0;
        while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
            micros += (text.front() - '0') * scale;
            scale /= 10;
            text.remove_prefix(1);
            ++digits;
        }
        if (digits == 0) return std::nullopt;
        fraction = std::chrono::microseconds(micros);
    }

    std::chrono::minutes offset{0};
    if (text == "Z" || text == "z") {
        text = {};
    } else if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        const bool ahead = text.front() == '+';
        text.remove_prefix(1);
        auto oh = take_number(text, 2);
        if (!oh || !take_char(text, ':')) return std::nullopt;
        auto om = take_number(text, 2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        offset = std::chrono::hours(*oh) + std::chrono::minutes(*om);
        if (!ahead) offset = -offset;
    } else {
        return std::nullopt;
    }
    if (!text.empty()) return std::nullopt;

    std::tm tm{};
    tm.tm_year = *year - 1900;
    tm.tm_mon = *month - 1;
    tm.tm_mday = *day;
    tm.tm_hour = *hour;
    tm.tm_min = *minute;
    tm.tm_sec = *second;
    return Clock::from_time_t(timegm(&tm)) + fraction - offset;
}

}  // namespace sb
