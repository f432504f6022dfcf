/* jbb — a SPECjbb2005-like business workload: the middle tier of a wholesale company
 * whose database is tables in memory, driven without think time.
 *
 *   jbb [-w WAREHOUSES] [-m HEAP_MIB] [-i INTERVAL] [-t SECONDS] [-S SEED]
 *       [-s STATUS_FILE] [-p PID_FILE] [-d]
 *
 * Each warehouse has its districts (10), customers (3000 per district, with an index by
 * last name), stock (one row per item) and, per district, a ring of recent orders and a
 * queue of undelivered ones; the item catalogue (20000 items) is shared.  One thread per
 * warehouse runs transactions from a shuffled deck of 23, SPECjbb's mix: 10 new order,
 * 10 payment, 1 order status, 1 delivery, 1 stock level (43.5/43.5/4.3/4.3/4.3 %).
 * Every transaction is one business operation.
 *
 * HEAP_MIB (default 64) sizes the working set like a JVM heap (-Xms = -Xmx, pre-touched):
 * after the tables, a quarter of what is left is a "nursery" where transactions allocate
 * their short-lived objects (order lines, receipts, history records) with a bump
 * pointer that wraps around, as a young generation does between collections, and the
 * rest holds the order rings, so old orders are overwritten as new ones arrive.  The
 * memory a migration must copy and the rate the guest dirties it both scale like a JVM
 * running SPECjbb's.
 *
 * Output (stdout), for the harness:
 *   jbb start warehouses=1 heap_mib=64 interval=1.000 orders=... wall=<unix time of t=0>
 *   jbb t=1.000 dt=1.000 bops=5231.0 ops=5231           every INTERVAL seconds
 *   jbb final t=60.002 ops=... bops=... new_order=... payment=... order_status=...
 *       delivery=... stock_level=... check=ok|bad        at the end (one line)
 * t is seconds since the tables were loaded (the measurement's start); bops is the
 * operations of the interval divided by its length dt; a last, shorter sample covers
 * the time between the last tick and the stop, so the samples' ops add up to the total.
 * STATUS_FILE (-s), rewritten atomically with every sample, key=value lines:
 *   pid= state=running|stopped t= bops= (of the last interval) ops= (total) wall=  "check" is a
 * consistency check of the tables at the end (every warehouse's year-to-date equals its districts'
 * sum).
 *
 * -d detaches once the tables are loaded and prints the pid.  Ends on SIGTERM/SIGINT or
 * after SECONDS (-t).  Exit status: 0, 1 setup failure (memory) or a failed check,
 * 2 bad usage. */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>

#include "workload.h"

#define DISTRICTS     10
#define CUSTOMERS     3000 /* per district */
#define ITEMS         20000
#define MAX_LINES     15
#define NEW_ORDER_CAP 900 /* undelivered orders kept per district */
#define DECK          23
#define MIB           1048576.0

enum { TX_NEW_ORDER, TX_PAYMENT, TX_ORDER_STATUS, TX_DELIVERY, TX_STOCK_LEVEL, TX_TYPES };
static const char *const tx_names[TX_TYPES] = {"new_order", "payment", "order_status", "delivery",
                                               "stock_level"};

struct item {
    uint32_t id;
    uint32_t image;
    int64_t price; /* cents */
    char name[24];
    char data[24];
};

struct stock {
    int32_t quantity;
    uint32_t order_cnt, remote_cnt;
    int64_t ytd;
    char dist_info[DISTRICTS][8];
};

struct customer {
    uint32_t id;
    uint16_t last; /* last name: index of the three syllables, 0..999 */
    char credit[2];
    int64_t balance, ytd_payment;
    uint32_t payment_cnt, delivery_cnt;
    uint32_t discount; /* basis points */
    char first[16];
    char data[96];
};

struct order_line {
    uint32_t item;
    uint16_t supply_wh;
    uint16_t quantity;
    int64_t amount;
    double delivered; /* time of delivery, 0 = not yet */
};

struct order {
    uint32_t id, customer;
    double entered;
    uint16_t carrier; /* 0 = not delivered */
    uint16_t nlines;
    struct order_line line[MAX_LINES];
};

struct district {
    int64_t ytd;
    uint32_t tax; /* basis points */
    uint32_t next_order;
    struct customer cust[CUSTOMERS];
    uint16_t by_last[CUSTOMERS]; /* customer indexes sorted by last name */
    struct order *orders;        /* ring of the most recent orders */
    uint32_t norders;            /* ring size */
    uint32_t nq_head, nq_len;    /* undelivered orders: ids in nq[] */
    uint32_t nq[NEW_ORDER_CAP];
};

struct history {
    uint32_t customer, district;
    int64_t amount;
    double when;
    char data[24];
};

struct warehouse {
    int64_t ytd;
    uint32_t tax;
    pthread_mutex_t stock_lock; /* remote order lines update another warehouse's stock */
    struct stock stock[ITEMS];
    struct district d[DISTRICTS];
    struct history *hist;
    uint32_t nhist, hist_next;
};

/* Per-thread counters, padded to their own cache lines. */
struct counters {
    _Alignas(64) atomic_ullong ops;
    atomic_ullong tx[TX_TYPES];
};

struct jbb {
    int nwh;
    struct warehouse *wh;
    struct item *items;
    unsigned char *nursery;
    size_t nursery_len;
    uint32_t orders_per_district;
    struct counters *cnt;
    atomic_int stop;
    unsigned seed;
};

/* The nursery is shared memory; each thread bump-allocates in its own slice of it. */
struct worker {
    struct jbb *j;
    int w;
    uint64_t rng;
    unsigned char *nur;
    size_t nur_len, nur_off;
    pthread_t thread;
};

static uint32_t uniform(uint64_t *s, uint32_t lo, uint32_t hi)
{
    return lo + (uint32_t)(wl_random(s) % (uint64_t)(hi - lo + 1));
}

/* TPC-C's non-uniform random choice: popular customers and items are chosen more. */
static uint32_t nurand(uint64_t *s, uint32_t a, uint32_t lo, uint32_t hi)
{
    return (((uniform(s, 0, a) | uniform(s, lo, hi)) + 42) % (hi - lo + 1)) + lo;
}

static const char *const syllables[10] = {"BAR", "OUGHT", "ABLE",  "PRI",   "PRES",
                                          "ESE", "ANTI",  "CALLY", "ATION", "EING"};

static void last_name(uint16_t n, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", syllables[n / 100], syllables[n / 10 % 10], syllables[n % 10]);
}

/* Short-lived objects: what a JVM would allocate in its young generation. */
static void *nursery_alloc(struct worker *k, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (k->nur_off + n > k->nur_len)
        k->nur_off = 0; /* a "minor collection": the slice is reused from its start */
    void *p = k->nur + k->nur_off;
    k->nur_off += n;
    return p;
}

/* A transaction's result as an XML document in the nursery, as SPECjbb2005 builds one
 * for every transaction it logs. */
struct xml {
    char *p;
    size_t len, cap;
};

static void xml_open(struct worker *k, struct xml *x, size_t cap)
{
    x->p = nursery_alloc(k, cap);
    x->len = 0;
    x->cap = cap;
    x->p[0] = '\0';
}

static void xml_add(struct xml *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xml_add(struct xml *x, const char *fmt, ...)
{
    if (x->len + 1 >= x->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(x->p + x->len, x->cap - x->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        x->len = x->len + (size_t)n < x->cap ? x->len + (size_t)n : x->cap - 1;
}

static struct district *pick_district(struct worker *k, int *dn)
{
    *dn = (int)uniform(&k->rng, 0, DISTRICTS - 1);
    return &k->j->wh[k->w].d[*dn];
}

/* 60 % by last name (the middle one of the matches, as TPC-C says), else by number. */
static struct customer *pick_customer(struct worker *k, struct district *d)
{
    if (uniform(&k->rng, 1, 100) <= 60) {
        uint16_t want = (uint16_t)nurand(&k->rng, 255, 0, 999);
        int lo = 0, hi = CUSTOMERS;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (d->cust[d->by_last[mid]].last < want)
                lo = mid + 1;
            else
                hi = mid;
        }
        int end = lo;
        while (end < CUSTOMERS && d->cust[d->by_last[end]].last == want)
            end++;
        if (end > lo)
            return &d->cust[d->by_last[(lo + end) / 2]];
    }
    return &d->cust[nurand(&k->rng, 1023, 1, CUSTOMERS) - 1];
}

static void tx_new_order(struct worker *k)
{
    struct jbb *j = k->j;
    struct warehouse *w = &j->wh[k->w];
    int dn;
    struct district *d = pick_district(k, &dn);
    struct customer *c = &d->cust[nurand(&k->rng, 1023, 1, CUSTOMERS) - 1];
    int nlines = (int)uniform(&k->rng, 5, MAX_LINES);
    struct order_line *tmp = nursery_alloc(k, sizeof(*tmp) * (size_t)nlines);
    int64_t total = 0;
    for (int i = 0; i < nlines; i++) {
        uint32_t it = nurand(&k->rng, 8191, 1, ITEMS) - 1;
        int sw = k->w;
        if (j->nwh > 1 && uniform(&k->rng, 1, 100) == 1)
            sw = (int)uniform(&k->rng, 0, (uint32_t)j->nwh - 1);
        uint16_t q = (uint16_t)uniform(&k->rng, 1, 10);
        struct warehouse *sup = &j->wh[sw];
        pthread_mutex_lock(&sup->stock_lock);
        struct stock *s = &sup->stock[it];
        s->quantity = s->quantity >= q + 10 ? s->quantity - q : s->quantity - q + 91;
        s->ytd += q;
        s->order_cnt++;
        if (sw != k->w)
            s->remote_cnt++;
        pthread_mutex_unlock(&sup->stock_lock);
        tmp[i].item = it;
        tmp[i].supply_wh = (uint16_t)sw;
        tmp[i].quantity = q;
        tmp[i].amount = q * j->items[it].price;
        tmp[i].delivered = 0;
        total += tmp[i].amount;
    }
    total = total * (10000 - c->discount) / 10000 * (10000 + w->tax + d->tax) / 10000;
    uint32_t id = d->next_order++;
    struct order *o = &d->orders[id % d->norders];
    o->id = id;
    o->customer = c->id;
    o->entered = wl_wall();
    o->carrier = 0;
    o->nlines = (uint16_t)nlines;
    memcpy(o->line, tmp, sizeof(*tmp) * (size_t)nlines);
    if (d->nq_len == NEW_ORDER_CAP) { /* the oldest undelivered order is dropped */
        d->nq_head = (d->nq_head + 1) % NEW_ORDER_CAP;
        d->nq_len--;
    }
    d->nq[(d->nq_head + d->nq_len) % NEW_ORDER_CAP] = id;
    d->nq_len++;
    /* the receipt a client gets back */
    struct xml x;
    xml_open(k, &x, 2048);
    xml_add(&x, "<new_order warehouse=\"%d\" district=\"%d\" customer=\"%u\" order=\"%u\">",
            k->w + 1, dn + 1, c->id, id);
    for (int i = 0; i < nlines; i++) {
        const struct item *it = &j->items[tmp[i].item];
        xml_add(&x,
                "<line n=\"%d\" item=\"%u\" name=\"%s\" supply=\"%u\" qty=\"%u\" "
                "price=\"%lld\" amount=\"%lld\" brand=\"%c\"/>",
                i + 1, it->id, it->name, tmp[i].supply_wh + 1u, tmp[i].quantity,
                (long long)it->price, (long long)tmp[i].amount, it->data[0] == 'O' ? 'B' : 'G');
    }
    xml_add(&x, "<total cents=\"%lld\"/></new_order>", (long long)total);
}

static void tx_payment(struct worker *k)
{
    struct warehouse *w = &k->j->wh[k->w];
    int dn;
    struct district *d = pick_district(k, &dn);
    struct customer *c = pick_customer(k, d);
    int64_t amount = uniform(&k->rng, 100, 500000);
    w->ytd += amount;
    d->ytd += amount;
    c->balance -= amount;
    c->ytd_payment += amount;
    c->payment_cnt++;
    if (c->credit[0] == 'B') { /* bad credit: the payment is noted in the customer's data */
        char note[48];
        int n = snprintf(note, sizeof(note), "%u %d %lld|", c->id, dn, (long long)amount);
        memmove(c->data + n, c->data, sizeof(c->data) - (size_t)n);
        memcpy(c->data, note, (size_t)n);
    }
    struct history *h = &w->hist[w->hist_next++ % w->nhist];
    h->customer = c->id;
    h->district = (uint32_t)dn;
    h->amount = amount;
    h->when = wl_wall();
    char name[32];
    last_name(c->last, name, sizeof(name));
    snprintf(h->data, sizeof(h->data), "%.10s %.12s", c->first, name);
    struct xml x;
    xml_open(k, &x, 512);
    xml_add(&x,
            "<payment warehouse=\"%d\" district=\"%d\" customer=\"%u\" first=\"%s\" "
            "last=\"%s\" credit=\"%.2s\" amount=\"%lld\" balance=\"%lld\" ytd=\"%lld\" "
            "count=\"%u\"><data>%.48s</data></payment>",
            k->w + 1, dn + 1, c->id, c->first, name, c->credit, (long long)amount,
            (long long)c->balance, (long long)c->ytd_payment, c->payment_cnt, c->data);
}

static void tx_order_status(struct worker *k)
{
    int dn;
    struct district *d = pick_district(k, &dn);
    struct customer *c = pick_customer(k, d);
    /* the customer's most recent order still in the ring */
    uint32_t n = d->next_order < d->norders ? d->next_order : d->norders;
    char name[32];
    last_name(c->last, name, sizeof(name));
    struct xml x;
    xml_open(k, &x, 2048);
    xml_add(&x,
            "<order_status district=\"%d\" customer=\"%u\" first=\"%s\" last=\"%s\" "
            "balance=\"%lld\">",
            dn + 1, c->id, c->first, name, (long long)c->balance);
    for (uint32_t i = 1; i <= n && i <= 2000; i++) {
        struct order *o = &d->orders[(d->next_order - i) % d->norders];
        if (o->customer != c->id)
            continue;
        xml_add(&x, "<order id=\"%u\" carrier=\"%u\">", o->id, o->carrier);
        for (int l = 0; l < o->nlines; l++)
            xml_add(&x,
                    "<line item=\"%u\" supply=\"%u\" qty=\"%u\" amount=\"%lld\" "
                    "delivered=\"%.0f\"/>",
                    o->line[l].item + 1, o->line[l].supply_wh + 1u, o->line[l].quantity,
                    (long long)o->line[l].amount, o->line[l].delivered);
        xml_add(&x, "</order>");
        break;
    }
    xml_add(&x, "</order_status>");
}

static void tx_delivery(struct worker *k)
{
    struct warehouse *w = &k->j->wh[k->w];
    uint16_t carrier = (uint16_t)uniform(&k->rng, 1, 10);
    double now = wl_wall();
    for (int dn = 0; dn < DISTRICTS; dn++) {
        struct district *d = &w->d[dn];
        if (d->nq_len == 0)
            continue;
        uint32_t id = d->nq[d->nq_head];
        d->nq_head = (d->nq_head + 1) % NEW_ORDER_CAP;
        d->nq_len--;
        struct order *o = &d->orders[id % d->norders];
        if (o->id != id) /* overwritten in the ring before it was delivered */
            continue;
        int64_t sum = 0;
        o->carrier = carrier;
        for (int l = 0; l < o->nlines; l++) {
            o->line[l].delivered = now;
            sum += o->line[l].amount;
        }
        struct customer *c = &d->cust[o->customer - 1];
        c->balance += sum;
        c->delivery_cnt++;
        struct xml x;
        xml_open(k, &x, 128);
        xml_add(&x, "<delivered district=\"%d\" order=\"%u\" carrier=\"%u\" sum=\"%lld\"/>", dn + 1,
                id, carrier, (long long)sum);
    }
}

static void tx_stock_level(struct worker *k)
{
    struct warehouse *w = &k->j->wh[k->w];
    int dn;
    struct district *d = pick_district(k, &dn);
    int32_t threshold = (int32_t)uniform(&k->rng, 10, 20);
    uint32_t *seen = nursery_alloc(k, sizeof(uint32_t) * 20 * MAX_LINES);
    int nseen = 0, low = 0;
    uint32_t n = d->next_order < 20 ? d->next_order : 20;
    for (uint32_t i = 1; i <= n && i <= d->norders; i++) {
        struct order *o = &d->orders[(d->next_order - i) % d->norders];
        for (int l = 0; l < o->nlines; l++) {
            uint32_t it = o->line[l].item;
            int dup = 0;
            for (int s = 0; s < nseen && !dup; s++)
                dup = seen[s] == it;
            if (dup)
                continue;
            seen[nseen++] = it;
            if (w->stock[it].quantity < threshold)
                low++;
        }
    }
    struct xml x;
    xml_open(k, &x, 128);
    xml_add(&x, "<stock_level district=\"%d\" threshold=\"%d\" items=\"%d\" low=\"%d\"/>", dn + 1,
            threshold, nseen, low);
}

static void *worker_run(void *arg)
{
    struct worker *k = arg;
    struct counters *cnt = &k->j->cnt[k->w];
    static const int mix[TX_TYPES] = {10, 10, 1, 1, 1};
    int deck[DECK];
    for (int t = 0, n = 0; t < TX_TYPES; t++)
        for (int i = 0; i < mix[t]; i++)
            deck[n++] = t;
    while (!atomic_load_explicit(&k->j->stop, memory_order_relaxed)) {
        for (int i = DECK - 1; i > 0; i--) { /* a new shuffled deck */
            int r = (int)uniform(&k->rng, 0, (uint32_t)i), x = deck[i];
            deck[i] = deck[r];
            deck[r] = x;
        }
        for (int i = 0; i < DECK; i++) {
            switch (deck[i]) {
            case TX_NEW_ORDER:
                tx_new_order(k);
                break;
            case TX_PAYMENT:
                tx_payment(k);
                break;
            case TX_ORDER_STATUS:
                tx_order_status(k);
                break;
            case TX_DELIVERY:
                tx_delivery(k);
                break;
            default:
                tx_stock_level(k);
                break;
            }
            atomic_fetch_add_explicit(&cnt->tx[deck[i]], 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&cnt->ops, 1, memory_order_relaxed);
        }
    }
    return NULL;
}

static struct district *sort_district;

static int by_last_cmp(const void *a, const void *b)
{
    const struct customer *x = &sort_district->cust[*(const uint16_t *)a];
    const struct customer *y = &sort_district->cust[*(const uint16_t *)b];
    if (x->last != y->last)
        return x->last < y->last ? -1 : 1;
    return strcmp(x->first, y->first);
}

/* Load every table; returns 0 or -1 (heap too small for the tables). */
static int load(struct jbb *j, size_t heap)
{
    size_t fixed = sizeof(struct item) * ITEMS + sizeof(struct warehouse) * (size_t)j->nwh;
    if (heap < fixed + (size_t)(4 * MIB)) {
        fprintf(stderr, "jbb: a %.0f MiB heap cannot hold %d warehouse(s): at least %.0f MiB\n",
                (double)heap / MIB, j->nwh, (double)(fixed + (size_t)(4 * MIB)) / MIB + 1);
        return -1;
    }
    size_t rest = heap - fixed;
    j->nursery_len = rest / 4;
    size_t ring_bytes = rest - j->nursery_len;
    /* per warehouse: a history ring of 1/16 of its share, the rest order rings */
    size_t per_wh = ring_bytes / (size_t)j->nwh;
    size_t hist_bytes = per_wh / 16;
    size_t orders = (per_wh - hist_bytes) / DISTRICTS / sizeof(struct order);
    if (orders < 100) {
        fprintf(stderr, "jbb: heap too small for the order tables\n");
        return -1;
    }
    j->orders_per_district = (uint32_t)orders;
    j->items = calloc(ITEMS, sizeof(*j->items));
    j->wh = calloc((size_t)j->nwh, sizeof(*j->wh));
    j->nursery = malloc(j->nursery_len);
    if (!j->items || !j->wh || !j->nursery) {
        perror("jbb: heap");
        return -1;
    }
    memset(j->nursery, 0, j->nursery_len); /* pre-touched, like -XX:+AlwaysPreTouch */
    uint64_t rng = 0x9E3779B97F4A7C15ull ^ j->seed;
    for (uint32_t i = 0; i < ITEMS; i++) {
        struct item *it = &j->items[i];
        it->id = i + 1;
        it->image = uniform(&rng, 1, 10000);
        it->price = uniform(&rng, 100, 10000);
        snprintf(it->name, sizeof(it->name), "item-%u-%u", i + 1, uniform(&rng, 0, 99999));
        snprintf(it->data, sizeof(it->data), "%s",
                 uniform(&rng, 1, 10) == 1 ? "ORIGINAL" : "plain");
    }
    for (int wn = 0; wn < j->nwh; wn++) {
        struct warehouse *w = &j->wh[wn];
        pthread_mutex_init(&w->stock_lock, NULL);
        w->tax = uniform(&rng, 0, 2000);
        w->ytd = 0;
        for (uint32_t i = 0; i < ITEMS; i++) {
            struct stock *s = &w->stock[i];
            s->quantity = (int32_t)uniform(&rng, 10, 100);
            for (int dn = 0; dn < DISTRICTS; dn++)
                snprintf(s->dist_info[dn], sizeof(s->dist_info[dn]), "s%02d%04u", dn,
                         uniform(&rng, 0, 9999));
        }
        w->nhist = (uint32_t)(hist_bytes / sizeof(struct history));
        w->hist = calloc(w->nhist ? w->nhist : 1, sizeof(struct history));
        if (!w->hist) {
            perror("jbb: heap");
            return -1;
        }
        for (int dn = 0; dn < DISTRICTS; dn++) {
            struct district *d = &w->d[dn];
            d->tax = uniform(&rng, 0, 2000);
            d->ytd = 0;
            d->norders = j->orders_per_district;
            d->orders = calloc(d->norders, sizeof(struct order));
            if (!d->orders) {
                perror("jbb: heap");
                return -1;
            }
            for (int c = 0; c < CUSTOMERS; c++) {
                struct customer *cu = &d->cust[c];
                cu->id = (uint32_t)c + 1;
                /* the first 1000 customers cover every last name once, as in TPC-C */
                cu->last = (uint16_t)(c < 1000 ? (uint32_t)c : nurand(&rng, 255, 0, 999));
                cu->credit[0] = uniform(&rng, 1, 10) == 1 ? 'B' : 'G';
                cu->credit[1] = 'C';
                cu->discount = uniform(&rng, 0, 5000);
                cu->balance = -1000;
                snprintf(cu->first, sizeof(cu->first), "F%07u", uniform(&rng, 0, 9999999));
                memset(cu->data, 'a' + (int)(c % 26), sizeof(cu->data));
                d->by_last[c] = (uint16_t)c;
            }
            sort_district = d;
            qsort(d->by_last, CUSTOMERS, sizeof(d->by_last[0]), by_last_cmp);
            /* every order slot written once: the rings are part of the heap in use */
            for (uint32_t o = 0; o < d->norders; o++)
                d->orders[o].id = UINT32_MAX;
        }
    }
    return 0;
}

/* Every warehouse's year-to-date equals the sum of its districts'. */
static int check(const struct jbb *j)
{
    for (int wn = 0; wn < j->nwh; wn++) {
        int64_t sum = 0;
        for (int dn = 0; dn < DISTRICTS; dn++)
            sum += j->wh[wn].d[dn].ytd;
        if (sum != j->wh[wn].ytd)
            return -1;
    }
    return 0;
}

static unsigned long long total_ops(struct jbb *j)
{
    unsigned long long n = 0;
    for (int w = 0; w < j->nwh; w++)
        n += atomic_load_explicit(&j->cnt[w].ops, memory_order_relaxed);
    return n;
}

static const char usage[] =
    "usage: jbb [-w WAREHOUSES] [-m HEAP_MIB] [-i INTERVAL] [-t SECONDS] [-S SEED]\n"
    "           [-s STATUS_FILE] [-p PID_FILE] [-d]\n"
    "SPECjbb2005-like transactions on in-memory tables; prints business\n"
    "operations per second (bops) every INTERVAL seconds (default 1).\n";

int main(int argc, char **argv)
{
    struct jbb j = {.nwh = 1};
    double heap_mib = 64, interval = 1, seconds = 0, seed = 0;
    const char *status = NULL;
    const struct wl_opt opts[] = {{'w', WL_INT, &j.nwh},
                                  {'m', WL_NUMBER, &heap_mib},
                                  {'i', WL_NUMBER, &interval},
                                  {'t', WL_NUMBER, &seconds},
                                  {'S', WL_NUMBER, &seed},
                                  {'s', WL_STRING, &status},
                                  {0, 0, NULL}};
    struct wl_prog prog = {.name = "jbb", .usage = usage, .opts = opts, .pid_letter = 'p'};
    if (wl_parse_options(&prog, argc, argv) != argc || j.nwh < 1 || j.nwh > 64 || heap_mib < 8 ||
        heap_mib > 65536 || interval < 0.05)
        return wl_usage_error(&prog);
    j.seed = (unsigned)seed;
    wl_catch_stop_signals();
    wl_start(&prog);
    if (load(&j, (size_t)(heap_mib * MIB)) != 0)
        return 1;
    j.cnt = aligned_alloc(64, sizeof(*j.cnt) * (size_t)j.nwh);
    struct worker *k = calloc((size_t)j.nwh, sizeof(*k));
    if (!j.cnt || !k) {
        perror("jbb");
        return 1;
    }
    memset(j.cnt, 0, sizeof(*j.cnt) * (size_t)j.nwh);

    /* the worker threads never see the stop signals: the main thread waits for them */
    sigset_t old;
    wl_block_stop_signals(&old);
    double t0 = wl_now(), wall0 = wl_wall();
    size_t slice = j.nursery_len / (size_t)j.nwh;
    int started = 0;
    for (; started < j.nwh; started++) {
        struct worker *w = &k[started];
        w->j = &j;
        w->w = started;
        w->rng = 0xD1B54A32D192ED03ull * (uint64_t)(started + 1) + j.seed + 1;
        w->nur = j.nursery + slice * (size_t)started;
        w->nur_len = slice;
        if (pthread_create(&w->thread, NULL, worker_run, w) != 0) {
            perror("jbb: pthread_create");
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    printf("jbb start warehouses=%d heap_mib=%.0f interval=%.3f orders=%u wall=%.3f\n", j.nwh,
           heap_mib, interval, j.orders_per_district, wall0);
    fflush(stdout);
    wl_ready();

    double tlast = t0, next = t0 + interval;
    unsigned long long last = 0;
    while (!wl_stop && started == j.nwh) {
        double now = wl_now();
        if (seconds > 0 && now - t0 >= seconds)
            break;
        if (now < next) {
            double until = next - now;
            if (seconds > 0 && t0 + seconds - now < until)
                until = t0 + seconds - now;
            wl_sleep(until);
            continue;
        }
        unsigned long long ops = total_ops(&j);
        double dt = now - tlast;
        printf("jbb t=%.3f dt=%.3f bops=%.1f ops=%llu\n", now - t0, dt, (double)(ops - last) / dt,
               ops - last);
        fflush(stdout);
        wl_write_status(status, "running", "t=%.3f\nbops=%.1f\nops=%llu\n", now - t0,
                        (double)(ops - last) / dt, ops);
        last = ops;
        tlast = now;
        /* the next report on the interval's grid, skipping ticks the guest slept through */
        while (next <= now)
            next += interval;
    }
    atomic_store(&j.stop, 1);
    for (int i = 0; i < started; i++)
        pthread_join(k[i].thread, NULL);
    double now = wl_now(), t = now - t0;
    unsigned long long ops = total_ops(&j), tx[TX_TYPES] = {0};
    if (now - tlast >= 0.001) { /* the last, shorter interval: the samples add up to ops */
        printf("jbb t=%.3f dt=%.3f bops=%.1f ops=%llu\n", t, now - tlast,
               (double)(ops - last) / (now - tlast), ops - last);
    }
    for (int w = 0; w < j.nwh; w++)
        for (int x = 0; x < TX_TYPES; x++)
            tx[x] += atomic_load(&j.cnt[w].tx[x]);
    int ok = check(&j) == 0;
    printf("jbb final t=%.3f ops=%llu bops=%.1f", t, ops, t > 0 ? (double)ops / t : 0.0);
    for (int x = 0; x < TX_TYPES; x++)
        printf(" %s=%llu", tx_names[x], tx[x]);
    printf(" check=%s\n", ok ? "ok" : "bad");
    fflush(stdout);
    wl_write_status(status, "stopped", "t=%.3f\nbops=%.1f\nops=%llu\ncheck=%s\n", t,
                    t > 0 ? (double)ops / t : 0.0, ops, ok ? "ok" : "bad");
    wl_remove_pidfile(&prog);
    return ok && started == j.nwh ? 0 : 1;
}
