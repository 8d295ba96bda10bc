// DOCUMENTATION, NOT BUILD INPUT. A reference for the authors of a WMPF Client app; it has
// not been compiled or tested here. PROTOCOL.md ("Frame") is the authority; where this file
// and PROTOCOL.md disagree, PROTOCOL.md is right.
package com.example.wmpfclient.wxp

import java.nio.charset.StandardCharsets.ISO_8859_1

/** WXP/1 frames: `VERB [SUBJECT] [key=value]... *CRC`, one ASCII line ending in `\n`. */
object Wxp1 {
    /** Longest line in bytes, the `\n` included. */
    const val MAX_LINE = 1024

    private val VERB = Regex("[A-Z]+")
    private val KEY = Regex("[a-z0-9_]+")
    /** Printable ASCII 0x21-0x7E except `*` (0x2A). */
    val VALUE = Regex("[\\x21-\\x29\\x2B-\\x7E]+")

    /** CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0. crc16("123456789") == 0x29B1. */
    fun crc16(bytes: ByteArray): Int {
        var crc = 0xFFFF
        for (b in bytes) {
            crc = crc xor ((b.toInt() and 0xFF) shl 8)
            repeat(8) { crc = if ((crc and 0x8000) != 0) ((crc shl 1) xor 0x1021) and 0xFFFF else (crc shl 1) and 0xFFFF }
        }
        return crc
    }

    /** 4 upper-case hex digits over the line's bytes before " *". `crcHex("HELLO") == "49D6"`. */
    fun crcHex(body: String): String =
        Integer.toHexString(crc16(body.toByteArray(ISO_8859_1))).uppercase(java.util.Locale.ROOT).padStart(4, '0')

    /**
     * One frame, without its `\n`. Throws IllegalArgumentException for what the grammar cannot
     * carry. encode("EVENT", "BOOT") == "EVENT BOOT *9D9C";
     * encode("ERR", "WRITE", listOf("code" to "LOCKED")) == "ERR WRITE code=LOCKED *D9EF".
     */
    fun encode(verb: String, subject: String? = null, fields: List<Pair<String, String>> = emptyList()): String {
        require(VERB.matches(verb)) { "verb $verb" }
        require(subject == null || VERB.matches(subject)) { "subject $subject" }
        require(fields.map { it.first }.toSet().size == fields.size) { "a key given twice" }
        val parts = mutableListOf(verb).apply { subject?.let { add(it) } }
        for ((k, v) in fields) {
            require(KEY.matches(k) && VALUE.matches(v)) { "field $k" }
            parts += "$k=$v"
        }
        val body = parts.joinToString(" ")
        val line = "$body *${crcHex(body)}"
        require(line.length + 1 <= MAX_LINE) { "frame over $MAX_LINE bytes" }
        return line
    }

    class Frame(val verb: String, val subject: String?, val fields: List<Pair<String, String>>) {
        operator fun get(key: String): String? = fields.firstOrNull { it.first == key }?.second
    }

    sealed class Parsed {
        class Ok(val frame: Frame) : Parsed()
        /** Well formed up to the CRC, which is wrong: the device answers `ERR <verb> code=BADCRC`. */
        class BadCrc(val verb: String) : Parsed()
        /** `#` log lines, boot banners, noise, malformed frames: ignored. */
        object Ignored : Parsed()
    }

    /** Parses one line without its `\n` (a trailing `\r` is dropped here). Never throws. */
    fun parse(raw: String): Parsed {
        val line = raw.removeSuffix("\r")
        if (line.startsWith("#")) return Parsed.Ignored
        val star = line.lastIndexOf(" *")
        if (star < 0 || line.length - star != 6) return Parsed.Ignored
        val body = line.substring(0, star)
        val crc = line.substring(star + 2)
        if (!Regex("[0-9A-F]{4}").matches(crc)) return Parsed.Ignored
        val tokens = body.split(' ')
        val verb = tokens[0]
        if (!VERB.matches(verb)) return Parsed.Ignored
        if (crcHex(body) != crc) return Parsed.BadCrc(verb)
        val subject = tokens.getOrNull(1)?.takeIf { VERB.matches(it) }
        val fields = mutableListOf<Pair<String, String>>()
        for (t in tokens.drop(if (subject == null) 1 else 2)) {
            val eq = t.indexOf('=') // the first '=': base64 padding stays in the value
            if (eq <= 0) return Parsed.Ignored
            val (k, v) = t.substring(0, eq) to t.substring(eq + 1)
            if (!KEY.matches(k) || !VALUE.matches(v) || fields.any { it.first == k }) return Parsed.Ignored
            fields += k to v
        }
        return Parsed.Ok(Frame(verb, subject, fields))
    }
}
