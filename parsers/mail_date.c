/*
 * mail_date.c - the common spelling of an RFC 5322 date-time (mail_date.h).
 *
 * Strict on purpose: whatever this reader does not take, GMime's reads, so a doubt
 * here is a refusal, never a guess.
 */
#include "parsers/mail_date.h"

#include <string.h>

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
					  "jul", "aug", "sep", "oct", "nov", "dec"};

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *skip_wsp(const char *p)
{
	while (is_wsp(*p))
		p++;
	return p;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Index of the three-letter name at p in names, -1 when none; the name must end there. */
static int name_index(const char *p, const char *const *names, int count)
{
	if (p[0] == '\0' || p[1] == '\0' || p[2] == '\0')
		return -1;
	char word[3] = {lower(p[0]), lower(p[1]), lower(p[2])};
	char after = p[3];
	if ((after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z'))
		return -1;
	for (int i = 0; i < count; i++)
		if (memcmp(word, names[i], 3) == 0)
			return i;
	return -1;
}

/* `min` to `max` digits at *p as a number; false when fewer or more. */
static bool read_number(const char **p, int min, int max, int *value_r)
{
	int n = 0, value = 0;
	const char *s = *p;
	while (is_digit(s[n])) {
		if (n == max)
			return false;
		value = value * 10 + (s[n] - '0');
		n++;
	}
	if (n < min)
		return false;
	*p = s + n;
	*value_r = value;
	return true;
}

static bool is_leap(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int64_t year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return month == 1 && is_leap(year) ? 29 : days[month];
}

/* Days from 1970-01-01 to the civil date (month 1..12): Howard Hinnant's algorithm. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y_r, int *m_r, int *d_r)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d_r = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m_r = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y_r = yoe + era * 400 + (*m_r <= 2);
}

/* A trailing comment, "(JST)" say, with nothing in it that opens another. */
static bool is_trailing_comment(const char *p)
{
	if (*p != '(')
		return false;
	const char *close = strchr(p + 1, ')');
	if (close == NULL)
		return false;
	for (const char *q = p + 1; q < close; q++)
		if (*q == '(' || *q == '\\')
			return false;
	return *skip_wsp(close + 1) == '\0';
}

bool rb_mail_date_parse_common(const char *text, int64_t *epoch_r)
{
	const char *p = skip_wsp(text);
	if (name_index(p, day_names, 7) >= 0) {
		/* "Tue ," is refused by GMime: refused here too. */
		p += 3;
		if (*p != ',')
			return false;
		p = skip_wsp(p + 1);
	}
	int day, month, year, hour, minute, second = 0;
	if (!read_number(&p, 1, 2, &day) || !is_wsp(*p))
		return false;
	p = skip_wsp(p);
	month = name_index(p, month_names, 12);
	if (month < 0)
		return false;
	p += 3;
	if (!is_wsp(*p))
		return false;
	p = skip_wsp(p);
	/* Two- and three-digit years follow RFC 5322's obsolete rules, and GMime takes
	 * no year before 1969: both are left to it. */
	if (!read_number(&p, 4, 4, &year) || year < 1969 || !is_wsp(*p))
		return false;
	p = skip_wsp(p);
	if (!read_number(&p, 2, 2, &hour) || *p != ':')
		return false;
	p++;
	if (!read_number(&p, 2, 2, &minute))
		return false;
	if (*p == ':') {
		p++;
		if (!read_number(&p, 2, 2, &second))
			return false;
	}
	if (!is_wsp(*p))
		return false;
	p = skip_wsp(p);
	if (*p != '+' && *p != '-')
		return false;
	int sign = *p == '-' ? -1 : 1;
	p++;
	int zone;
	if (!read_number(&p, 4, 4, &zone))
		return false;
	p = skip_wsp(p);
	if (*p != '\0' && !is_trailing_comment(p))
		return false;
	int zone_hours = zone / 100, zone_minutes = zone % 100;
	if (day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
	    second > 59 || zone_hours > 14 || zone_minutes > 59)
		return false;
	int64_t days = days_from_civil(year, month + 1, day);
	int64_t local = days * 86400 + hour * 3600 + minute * 60 + second;
	*epoch_r = local - sign * (zone_hours * 3600 + zone_minutes * 60);
	return true;
}

/* value in exactly n decimal digits, zero-padded (value < 10^n). */
static void put_digits(char *out, int64_t value, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + value % 10);
		value /= 10;
	}
}

bool rb_mail_date_format_utc(int64_t epoch, char out[21])
{
	int64_t days = epoch >= 0 ? epoch / 86400 : -((-epoch + 86399) / 86400);
	int64_t secs = epoch - days * 86400;
	int64_t year;
	int month, day;
	civil_from_days(days, &year, &month, &day);
	if (year < 1 || year > 9999)
		return false;
	put_digits(out, year, 4);
	out[4] = '-';
	put_digits(out + 5, month, 2);
	out[7] = '-';
	put_digits(out + 8, day, 2);
	out[10] = 'T';
	put_digits(out + 11, secs / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, secs / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, secs % 60, 2);
	out[19] = 'Z';
	out[20] = '\0';
	return true;
}
