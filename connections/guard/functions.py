"""Per-dialect allow-lists of functions a read-only question may call (lower-case names).

A function that is not listed is refused, so what is missing here is refused by default:
anything that runs SQL given as a string (ts_stat, query_to_xml, table_to_xml), reads or
writes files (pg_read_file, lo_export, LOAD_FILE, file, readfile), reaches other servers
(dblink, remote, url, mysql), takes locks (pg_advisory_lock, GET_LOCK), touches sequences
(nextval), reads or changes settings (current_setting, set_config), administers the server
(pg_terminate_backend) or only exists to use up time and memory (pg_sleep, SLEEP, BENCHMARK,
generate_series, numbers, repeat, randomblob). Add a function only when it reads its
arguments and nothing else.
"""

from __future__ import annotations

from ..dialects import dialect_class


def _names(text: str) -> frozenset[str]:
    return frozenset(text.lower().split())


AGGREGATES = _names("count sum avg min max")
WINDOW = _names(
    """
    row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value
    nth_value
    """
)
MATH = _names("abs ceil ceiling floor round sign sqrt power exp ln log log10 mod pi greatest least")
STRING = _names("lower upper length trim ltrim rtrim replace substring substr concat")
CONDITIONAL = _names("coalesce nullif cast")

COMMON = AGGREGATES | WINDOW | MATH | STRING | CONDITIONAL

POSTGRESQL = COMMON | _names(
    """
    string_agg array_agg json_agg jsonb_agg json_object_agg jsonb_object_agg bool_and bool_or
    every stddev stddev_pop stddev_samp variance var_pop var_samp corr covar_pop covar_samp
    regr_slope regr_intercept regr_r2 regr_count percentile_cont percentile_disc mode bit_and
    bit_or grouping

    trunc cbrt div degrees radians sin cos tan asin acos atan atan2 width_bucket gcd lcm scale
    random

    initcap char_length character_length octet_length bit_length btrim left right position
    strpos concat_ws format lpad rpad split_part reverse translate overlay regexp_replace
    regexp_match regexp_matches regexp_split_to_array regexp_split_to_table regexp_like
    starts_with md5 to_hex ascii chr string_to_array array_to_string

    now current_date current_timestamp current_time localtimestamp localtime clock_timestamp
    statement_timestamp transaction_timestamp date_trunc date_part extract age make_date
    make_time make_timestamp make_timestamptz make_interval to_char to_date to_timestamp
    to_number justify_days justify_hours justify_interval isfinite date_bin timezone

    array row unnest array_length cardinality array_position array_positions array_remove
    array_append array_prepend array_cat array_upper array_lower

    json_extract_path json_extract_path_text jsonb_extract_path jsonb_extract_path_text
    json_array_length jsonb_array_length json_typeof jsonb_typeof json_each json_each_text
    jsonb_each jsonb_each_text json_array_elements json_array_elements_text
    jsonb_array_elements jsonb_array_elements_text json_object_keys jsonb_object_keys to_json
    to_jsonb row_to_json json_build_object jsonb_build_object json_build_array
    jsonb_build_array jsonb_path_query jsonb_path_query_first jsonb_path_exists
    jsonb_path_match

    to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery ts_rank
    ts_rank_cd ts_headline

    current_schema current_database
    """
)

MYSQL = COMMON | _names(
    """
    group_concat std stddev stddev_pop stddev_samp variance var_pop var_samp bit_and bit_or
    bit_xor json_arrayagg json_objectagg

    truncate pow log2 degrees radians sin cos tan asin acos atan atan2 cot rand crc32

    lcase ucase char_length character_length octet_length bit_length substring_index mid
    left right locate instr position concat_ws lpad rpad reverse format field find_in_set elt
    ascii char hex unhex md5 sha1 sha2 strcmp regexp_replace regexp_substr regexp_instr
    regexp_like

    now curdate curtime current_date current_time current_timestamp localtime localtimestamp
    utc_date utc_time utc_timestamp date time year month day dayofmonth dayofweek dayofyear
    dayname monthname week weekday weekofyear yearweek quarter hour minute second microsecond
    last_day makedate maketime date_format str_to_date time_format date_add date_sub adddate
    subdate addtime subtime datediff timediff timestampdiff timestampadd unix_timestamp
    from_unixtime extract to_days from_days period_diff period_add convert_tz sec_to_time
    time_to_sec

    if ifnull isnull convert

    json_extract json_unquote json_length json_keys json_contains json_contains_path json_type
    json_valid json_object json_array json_search json_value

    database schema match
    """
)

# ClickHouse names are case-sensitive on the server; compared in lower case here, which only
# matters for names that do not exist there.
CLICKHOUSE_AGGREGATES = _names(
    """
    count sum avg min max any anylast anyheavy argmin argmax uniq uniqexact uniqcombined
    uniqhll12 uniqupto grouparray groupuniqarray topk quantile quantiles quantileexact
    quantiletiming quantiledeterministic median medianexact stddevpop stddevsamp varpop varsamp
    covarpop covarsamp corr groupbitxor groupbitand groupbitor
    """
)
# Aggregate combinators: countIf, sumArray, uniqExactIf, avgOrNull...
CLICKHOUSE = (
    COMMON
    | CLICKHOUSE_AGGREGATES
    | _names(
        """
        trunc intdiv intdivorzero modulo plus minus multiply divide negate pow log2 exp2 exp10
        e isfinite isnan isinfinite

        lengthutf8 empty notempty lowerutf8 upperutf8 substringutf8 position positionutf8
        positioncaseinsensitive positioncaseinsensitiveutf8 like notlike ilike match extract
        extractall replaceone replaceall replaceregexpone replaceregexpall splitbychar
        splitbystring arraystringconcat trimleft trimright trimboth reverse reverseutf8
        startswith endswith concatassumeinjective

        toint8 toint16 toint32 toint64 touint8 touint16 touint32 touint64 tofloat32 tofloat64
        toint32orzero toint64orzero tofloat64orzero toint32ornull toint64ornull tofloat64ornull
        todecimal32 todecimal64 todecimal128 todate todatetime todateornull todatetimeornull
        todateorzero todatetimeorzero tostring tofixedstring totypename tounixtimestamp
        parsedatetimebesteffort parsedatetimebesteffortornull

        now today yesterday toyear toquarter tomonth todayofyear todayofmonth todayofweek
        tohour tominute tosecond tomonday tostartofyear tostartofquarter tostartofmonth
        tostartofisoyear tostartofweek tostartofday tostartofhour tostartofminute
        tostartoffiveminute tostartoffifteenminutes tostartofinterval totime toyyyymm
        toyyyymmdd toyyyymmddhhmmss torelativeyearnum torelativequarternum torelativemonthnum
        torelativeweeknum torelativedaynum torelativehournum torelativeminutenum
        torelativesecondnum toisoyear toisoweek formatdatetime datediff timeslot totimezone
        addseconds addminutes addhours adddays addweeks addmonths addquarters addyears
        subtractseconds subtractminutes subtracthours subtractdays subtractweeks subtractmonths
        subtractquarters subtractyears

        if multiif ifnull nullif isnull isnotnull assumenotnull tonullable

        array arrayjoin has hasall hasany indexof arrayelement arraymap arrayfilter arrayexists
        arrayall arraysum arraycount arraysort arrayreversesort arrayuniq arraydistinct
        arrayenumerate arrayslice arrayconcat arraypushback arraypushfront tuple tupleelement

        visitparamextractstring visitparamextractint visitparamextractuint
        visitparamextractfloat visitparamextractbool visitparamextractraw visitparamhas
        jsonextract jsonextractstring jsonextractint jsonextractuint jsonextractfloat
        jsonextractbool jsonextractraw jsonhas jsonlength jsontype

        cityhash64 siphash64 md5 currentdatabase
        """
    )
)

SQLITE = COMMON | _names(
    """
    total group_concat string_agg

    ifnull iif instr octet_length printf format strftime date time datetime julianday
    unixepoch timediff typeof like glob char unicode hex quote

    acos asin atan atan2 cos degrees log2 pow radians sin tan trunc

    json json_extract json_array json_array_length json_object json_type json_valid json_quote
    json_group_array json_group_object json_each json_tree
    """
)

# Redshift's leader- and compute-node functions that read their arguments; PostgreSQL's
# pg_* administration (pg_terminate_backend, pg_cancel_backend) stays out like everywhere.
REDSHIFT = COMMON | _names(
    """
    listagg median percentile_cont percentile_disc stddev stddev_pop stddev_samp variance
    var_pop var_samp bool_and bool_or bit_and bit_or any_value ratio_to_report approximate
    approx_distinct

    trunc cbrt degrees radians sin cos tan asin acos atan atan2 cot dexp dlog1 dlog10 random
    checksum

    btrim char_length character_length octet_length charindex strpos position left right lpad
    rpad len reverse split_part translate initcap concat regexp_count regexp_instr
    regexp_replace regexp_substr md5 sha1 sha2 func_sha1 crc32 fnv_hash quote_ident
    quote_literal soundex difference to_hex ascii chr textlen

    add_months convert_timezone current_date date_cmp dateadd datediff date_add date_diff
    date_part date_part_year date_trunc extract getdate sysdate last_day months_between
    next_day timestamp_cmp to_char to_date to_timestamp to_number timezone

    nvl nvl2 decode convert

    json_extract_path_text json_extract_array_element_text json_array_length is_valid_json
    is_valid_json_array json_parse json_serialize can_json_parse

    current_database current_schema
    """
)

# BigQuery (GoogleSQL). EXTERNAL_QUERY (runs SQL on a Cloud SQL server), ML.* / AI.* (a schema
# prefix is refused anyway), SESSION_USER and the array generators are left out.
BIGQUERY = COMMON | _names(
    """
    countif any_value array_agg string_agg logical_and logical_or bit_and bit_or bit_xor
    approx_count_distinct approx_quantiles approx_top_count approx_top_sum stddev stddev_pop
    stddev_samp variance var_pop var_samp corr covar_pop covar_samp max_by min_by
    percentile_cont percentile_disc

    is_inf is_nan ieee_divide rand pow div safe_divide safe_multiply safe_negate safe_add
    safe_subtract trunc cos sin tan acos asin atan atan2 range_bucket

    ascii byte_length char_length character_length chr code_points_to_string contains_substr
    ends_with format initcap instr left lpad normalize regexp_contains regexp_extract
    regexp_extract_all regexp_instr regexp_replace reverse right rpad split starts_with strpos
    to_base64 to_hex md5 sha1 sha256 farm_fingerprint

    current_date current_datetime current_time current_timestamp date datetime time timestamp
    date_add date_sub date_diff date_trunc datetime_add datetime_sub datetime_diff
    datetime_trunc timestamp_add timestamp_sub timestamp_diff timestamp_trunc time_add
    time_sub time_diff time_trunc extract format_date format_datetime format_timestamp
    format_time parse_date parse_datetime parse_timestamp parse_time last_day unix_date
    unix_seconds unix_millis unix_micros timestamp_seconds timestamp_millis timestamp_micros
    date_from_unix_date

    if ifnull safe_cast

    array_length array_to_string array_concat array_reverse unnest offset safe_offset ordinal
    safe_ordinal struct

    json_extract json_extract_scalar json_query json_value json_extract_array
    json_value_array to_json_string parse_json
    """
)

ALLOWED_FUNCTIONS: dict[str, frozenset[str]] = {
    "redshift": REDSHIFT,
    "bigquery": BIGQUERY,
    "postgresql": POSTGRESQL,
    "mysql": MYSQL,
    "clickhouse": CLICKHOUSE,
    "sqlite": SQLITE,
}

# Keys of the nodes sqlglot builds for syntax rather than for a call by name (ARRAY[...],
# x::int, ->>, CASE, AND...) or builds internally when it reads a call (MySQL DATE_FORMAT
# becomes TimeToStr over TsOrDsToDate). The names the author wrote are checked on tokens.
SYNTAX_NODES = _names(
    """
    and or xor exists case if cast trycast casttostrtype extract array struct varmap interval
    bracket collate any all some regexplike regexpilike matchagainst strposition soundex
    arrayoverlaps arraycontainedby arraycontainsall jsonextract jsonextractscalar jsonbextract
    jsonbextractscalar jsonbcontains jsonbcontainstopkey jsonbcontainsalltopkeys
    jsonbcontainsanytopkeys jsonarraycontains timetostr tsordstodate tsordstotimestamp
    strtotime strtodate transform currenttimestamp currentdate currenttime datetrunc
    timestamptrunc
    """
)


# Aggregates a dialect's combinators may extend (ClickHouse countIf, sumArray, uniqIf).
COMBINABLE: dict[str, frozenset[str]] = {"clickhouse": CLICKHOUSE_AGGREGATES}


def allowed(name: str, kind: str) -> bool:
    lowered = name.lower()
    if lowered in ALLOWED_FUNCTIONS[kind]:
        return True
    combinable = COMBINABLE.get(kind, frozenset())
    return any(
        lowered.removesuffix(suffix) in combinable
        for suffix in dialect_class(kind).aggregate_combinators
        if lowered.endswith(suffix)
    )
