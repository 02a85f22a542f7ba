/* SPDX-License-Identifier: MIT */
/* fmt.c - bh_vsnprintf: a small, bounded printf formatter (no floating point). */
#include <stdbool.h>
#include <stdint.h>
#include "fmt.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* characters the complete output needs */
};

struct spec {
	bool left, zero, alt, space, plus;
	int width;
	int prec; /* -1: none */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const struct spec *s, const char *str)
{
	int n = 0;

	if (!str)
		str = "(null)";
	while ((s->prec < 0 || n < s->prec) && str[n]) /* never read past a precision */
		n++;
	if (!s->left)
		pad(o, ' ', s->width - n);
	for (int i = 0; i < n; i++)
		put(o, str[i]);
	if (s->left)
		pad(o, ' ', s->width - n);
}

static void put_num(struct out *o, const struct spec *s, uint64_t v, unsigned base, bool upper,
		    bool neg)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	const char *prefix = neg ? "-" : s->plus ? "+" : s->space ? " " : "";

	if (s->alt && base == 16 && v)
		prefix = upper ? "0X" : "0x";
	if (s->alt && base == 8)
		prefix = "0";
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);

	int plen = 0;
	while (prefix[plen])
		plen++;
	int fill = s->width - n - plen;
	if (!s->left && !s->zero)
		pad(o, ' ', fill);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!s->left && s->zero)
		pad(o, '0', fill);
	while (n)
		put(o, tmp[--n]);
	if (s->left)
		pad(o, ' ', fill);
}

static const char *parse_spec(const char *f, struct spec *s, va_list *ap)
{
	*s = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			s->left = true;
		else if (*f == '0')
			s->zero = true;
		else if (*f == '#')
			s->alt = true;
		else if (*f == ' ')
			s->space = true;
		else if (*f == '+')
			s->plus = true;
		else
			break;
	}
	if (*f == '*') {
		s->width = va_arg(*ap, int);
		f++;
	}
	while (*f >= '0' && *f <= '9')
		s->width = s->width * 10 + (*f++ - '0');
	if (*f == '.') {
		s->prec = 0;
		if (*++f == '*') {
			s->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			s->prec = s->prec * 10 + (*f++ - '0');
	}
	return f;
}

/* Length modifier → operand size in bytes (0: int). */
static const char *parse_len(const char *f, int *size)
{
	*size = 0;
	if (f[0] == 'h')
		return f[1] == 'h' ? f + 2 : f + 1; /* promoted to int anyway */
	if (f[0] == 'l' && f[1] == 'l')
		return *size = 8, f + 2;
	if (f[0] == 'l' || f[0] == 'z' || f[0] == 't' || f[0] == 'j')
		return *size = 8, f + 1;
	return f;
}

int bh_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	va_copy(args, ap);
	for (const char *f = fmt; *f; f++) {
		struct spec s;
		int len;

		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f = parse_len(parse_spec(f + 1, &s, &args), &len);
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = len ? va_arg(args, int64_t) : va_arg(args, int);
			put_num(&o, &s, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, false, v < 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v = len ? va_arg(args, uint64_t) : va_arg(args, unsigned int);
			unsigned base = *f == 'u' ? 10 : *f == 'o' ? 8 : 16;
			put_num(&o, &s, v, base, *f == 'X', false);
			break;
		}
		case 'p':
			s.alt = true;
			put_num(&o, &s, (uintptr_t)va_arg(args, void *), 16, false, false);
			break;
		case 'c':
			s.prec = -1;
			put_str(&o, &s, (char[]){ (char)va_arg(args, int), 0 });
			break;
		case 's':
			put_str(&o, &s, va_arg(args, const char *));
			break;
		case '%':
			put(&o, '%');
			break;
		default: /* unknown conversion: print it verbatim so the mistake is visible */
			put(&o, '%');
			if (!*f)
				goto done;
			put(&o, *f);
		}
	}
done:
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int bh_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = bh_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
