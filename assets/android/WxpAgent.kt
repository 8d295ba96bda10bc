// DOCUMENTATION, NOT BUILD INPUT. A reference for the authors of a WMPF Client app; it has
// not been compiled or tested here. PROTOCOL.md ("Exchanges", "What the device must persist",
// "Android") is the authority; where this file and PROTOCOL.md disagree, PROTOCOL.md is right.
package com.example.wmpfclient.wxp

import android.app.Application
import android.content.Context
import android.net.LocalServerSocket
import android.net.LocalSocket
import android.os.Build
import android.system.Os
import android.system.OsConstants
import android.util.Base64
import android.util.Log
import java.io.ByteArrayOutputStream
import java.io.File
import java.io.FileOutputStream
import java.io.IOException
import java.nio.charset.StandardCharsets.ISO_8859_1
import java.nio.charset.StandardCharsets.UTF_8
import java.util.Locale
import java.util.UUID
import java.util.concurrent.Executors
import kotlin.concurrent.thread
// ASSUMPTION: the WMPF SDK's class names are as its docs give them (WMPF >= 2.1.0:
// WMPFBoot.init(context, WMPFDevice(hostAppId, productId, keyVersion, deviceId, signature))).
// The package below is a guess: take the real one from the SDK you ship.
import com.tencent.wmpf.cli.boot.WMPFBoot     // ASSUMED
import com.tencent.wmpf.cli.boot.WMPFDevice   // ASSUMED

private const val TAG = "WxpAgent"
const val SOCKET_NAME = "wmpf-wxp" // abstract namespace; the station asks adb for localabstract:wmpf-wxp

/** The five values, in the order READ answers them. */
val KEYS = listOf("host_app_id", "product_id", "key_version", "device_id", "signature")
typealias Identity = Map<String, String>

private val RULES: Map<String, (String) -> Boolean> = mapOf(
    "host_app_id" to { v -> Regex("wx[0-9a-fA-F]{16}").matches(v) },
    // WMPFDevice takes ints: refuse what does not fit rather than fail at activation.
    "product_id" to { v -> Regex("[1-9][0-9]{0,9}").matches(v) && v.toLong() <= Int.MAX_VALUE },
    "key_version" to { v -> Regex("[1-9][0-9]{0,9}").matches(v) && v.toLong() <= Int.MAX_VALUE },
    "device_id" to { v -> Regex("[0-9A-Za-z_-]{1,128}").matches(v) },
    // base64 on one line, padding included (DER of an ECDSA P-256 signature)
    "signature" to { v -> Regex("(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})").matches(v) },
)

/** Writes `text` so that a power cut leaves the old file or the new one: temp + fsync + rename + fsync dir. */
@Throws(IOException::class)
fun writeAtomically(target: File, text: String) {
    val tmp = File(target.parentFile, target.name + ".tmp")
    FileOutputStream(tmp).use { out ->
        out.write(text.toByteArray(UTF_8))
        out.fd.sync()
    }
    if (!tmp.renameTo(target)) throw IOException("rename ${tmp.name} failed")
    syncDir(target.parentFile!!)
}

@Throws(IOException::class)
private fun syncDir(dir: File) = try {
    val fd = Os.open(dir.path, OsConstants.O_RDONLY, 0)
    try { Os.fsync(fd) } finally { Os.close(fd) }
} catch (e: android.system.ErrnoException) { throw IOException(e) }

/**
 * The committed identity: one file in no-backup private storage (Auto Backup must never copy
 * it to another unit: that would be a clone). Uninstall and "Clear data" erase it.
 */
class IdentityStore(dir: File) {
    private val file = File(dir, "wxp-identity")

    fun load(): Identity? {
        if (!file.exists()) return null
        val map = file.readLines(UTF_8).mapNotNull { l -> l.split('=', limit = 2).takeIf { it.size == 2 }?.let { it[0] to it[1] } }.toMap()
        if (KEYS.any { k -> map[k]?.let { RULES.getValue(k)(it) } != true }) {
            Log.e(TAG, "identity file unreadable: the unit reports blank")
            return null
        }
        return KEYS.associateWith { map.getValue(it) }
    }

    @Throws(IOException::class)
    fun save(id: Identity) = writeAtomically(file, KEYS.joinToString("") { "$it=${id.getValue(it)}\n" })

    @Throws(IOException::class)
    fun erase() {
        if (file.exists() && !file.delete()) throw IOException("delete failed")
        syncDir(file.parentFile!!)
    }
}

/**
 * HELLO's hwid, chosen once and then kept in private storage so it never flips between sources:
 * Build.getSerial() when this app may read it (survives uninstall and factory reset), else a
 * UUID made on first start (survives reboots and updates; a new one after uninstall, "Clear
 * data" or factory reset). Never ANDROID_ID alone: it changes on factory reset and with the
 * signing key.
 */
object Hwid {
    private val OK = Regex("[0-9A-Za-z_-]{1,64}")

    fun get(dir: File): String {
        val file = File(dir, "wxp-hwid")
        if (file.exists()) file.readText(UTF_8).trim().takeIf { OK.matches(it) }?.let { return it }
        val id = serialOrNull() ?: UUID.randomUUID().toString().replace("-", "").uppercase(Locale.ROOT)
        writeAtomically(file, id)
        return id
    }

    /** Android 10+: READ_PRIVILEGED_PHONE_STATE (privileged system apps only); 8-9: READ_PHONE_STATE. */
    @Suppress("DEPRECATION")
    private fun serialOrNull(): String? {
        val s = try {
            if (Build.VERSION.SDK_INT >= 26) Build.getSerial() else Build.SERIAL
        } catch (e: SecurityException) { null }
        return s?.takeIf { it != Build.UNKNOWN && OK.matches(it) }
    }
}

/** What the agent needs from WMPF: kept apart so the SDK calls are in one place. */
interface Wmpf {
    fun activate(id: Identity)

    /** (push_token, expire in unix seconds), or null when not activated or offline. */
    fun pushToken(): Pair<String, Long>?
}

class SdkWmpf(private val context: Context) : Wmpf {
    override fun activate(id: Identity) {
        WMPFBoot.init( // ASSUMED SDK call, as documented for WMPF >= 2.1.0
            context,
            WMPFDevice(id.getValue("host_app_id"), id.getValue("product_id").toInt(), id.getValue("key_version").toInt(),
                id.getValue("device_id"), id.getValue("signature")),
        )
    }

    // TOKEN is optional (the end-of-line push test). Wire WMPFDeviceApi.getPushToken here.
    override fun pushToken(): Pair<String, Long>? = null
}

/**
 * The WXP/1 device side over LocalServerSocket("wmpf-wxp"). One connection at a time: a new
 * one (from adbd) closes the old, like a re-plugged cable. Requests are handled one at a time.
 */
class WxpAgent(context: Context, private val wmpf: Wmpf, fw: String, private val allowErase: Boolean) {
    private val dir = context.noBackupFilesDir
    private val store = IdentityStore(dir)
    private val fw = fw.map { if (Wxp1.VALUE.matches(it.toString())) it else '_' }.joinToString("").ifEmpty { "0" }
    private val lock = Any() // guards everything below and each request's handling
    private lateinit var hwid: String
    private var committed: Identity? = null
    private var staged: Identity? = null // RAM only, as PROTOCOL.md says: lost with the process
    private var current: LocalSocket? = null
    private var bootPending = true // EVENT BOOT goes to the first connection after the process starts
    private val activator = Executors.newSingleThreadExecutor()

    fun start() {
        thread(name = "wxp-agent", isDaemon = true) {
            val server = try {
                synchronized(lock) { hwid = Hwid.get(dir); committed = store.load() }
                LocalServerSocket(SOCKET_NAME)
            } catch (e: IOException) { // an uncaught exception on any thread would kill the app
                Log.e(TAG, "agent not started (storage, or @$SOCKET_NAME held by another process)", e)
                return@thread
            }
            while (true) {
                val s = try { server.accept() } catch (e: IOException) { Log.e(TAG, "accept", e); continue }
                if (!trusted(s)) { runCatching { s.close() }; continue } // does not displace the open one
                val old = synchronized(lock) { current.also { current = s } }
                runCatching { old?.close() } // outside the lock; its reader thread ends
                thread(name = "wxp-conn", isDaemon = true) { serve(s) }
            }
        }
    }

    /** An abstract socket has no file permissions: take only adbd (shell, 2000), root, and this app. */
    private fun trusted(s: LocalSocket): Boolean {
        val uid = try { s.peerCredentials.uid } catch (e: IOException) { return false }
        return uid == 2000 || uid == 0 || uid == android.os.Process.myUid()
    }

    private fun serve(s: LocalSocket) {
        try {
            synchronized(lock) {
                if (bootPending) { bootPending = false; send(s, Wxp1.encode("EVENT", "BOOT")) }
            }
            val input = s.inputStream
            val line = ByteArrayOutputStream()
            var discarding = false // an over-long line is dropped up to its '\n'
            val chunk = ByteArray(512)
            while (true) {
                val n = input.read(chunk)
                if (n < 0) break
                for (i in 0 until n) {
                    val b = chunk[i].toInt() and 0xFF
                    if (b == '\n'.code) {
                        if (!discarding) onLine(s, String(line.toByteArray(), ISO_8859_1))
                        line.reset()
                        discarding = false
                    } else if (!discarding) {
                        line.write(b)
                        if (line.size() >= Wxp1.MAX_LINE) { line.reset(); discarding = true } // 1024 with '\n'
                    }
                }
            }
        } catch (e: IOException) { // closed: the station went away, or a newer connection replaced it
        } finally {
            synchronized(lock) { if (current === s) current = null }
            runCatching { s.close() }
        }
    }

    private fun onLine(s: LocalSocket, line: String) {
        val answer = when (val p = Wxp1.parse(line)) {
            is Wxp1.Parsed.BadCrc -> err(p.verb, "BADCRC")
            is Wxp1.Parsed.Ok -> if (p.frame.verb in setOf("OK", "ERR", "EVENT")) null else synchronized(lock) { handle(p.frame) }
            Wxp1.Parsed.Ignored -> null
        } ?: return
        synchronized(lock) { send(s, answer) }
    }

    private fun send(s: LocalSocket, line: String) {
        s.outputStream.write("$line\n".toByteArray(ISO_8859_1))
        s.outputStream.flush()
    }

    private fun ok(subject: String, fields: List<Pair<String, String>> = emptyList()) = Wxp1.encode("OK", subject, fields)
    private fun err(subject: String, code: String, msg: String? = null) =
        Wxp1.encode("ERR", subject, listOfNotNull("code" to code, msg?.let { "msg" to it }))

    private fun state() = if (committed != null) "locked" else if (staged != null) "written" else "blank"

    private fun handle(f: Wxp1.Frame): String = when (f.verb) {
        "HELLO" -> ok("HELLO", listOf("proto" to "1", "fw" to fw, "hwid" to hwid, "state" to state()))
        "WRITE" -> write(f)
        "READ" -> ok("READ", (staged ?: committed)?.let { id -> KEYS.map { it to id.getValue(it) } } ?: emptyList())
        "COMMIT" -> commit()
        "ERASE" -> erase()
        "TOKEN" -> token()
        else -> err(f.verb, "UNKNOWN")
    }

    private fun write(f: Wxp1.Frame): String {
        if (committed != null) return err("WRITE", "LOCKED") // only ERASE unlocks
        f.fields.firstOrNull { it.first !in RULES }?.let { return err("WRITE", "BADARG", "unknown_key:${it.first}") }
        for (k in KEYS) {
            val v = f[k] ?: return err("WRITE", "BADARG", "missing:$k")
            if (!RULES.getValue(k)(v)) return err("WRITE", "BADARG", "malformed:$k")
        }
        staged = KEYS.associateWith { f[it]!! } // a second WRITE before COMMIT replaces the first
        return ok("WRITE")
    }

    private fun commit(): String {
        val id = staged
            // A COMMIT sent again because its answer was lost must not fail the unit.
            ?: return if (committed != null) ok("COMMIT") else err("COMMIT", "BADARG", "nothing_written")
        try { store.save(id) } catch (e: IOException) {
            Log.e(TAG, "COMMIT: storage failed", e)
            return err("COMMIT", "FLASH", "store_failed") // the old state is kept
        }
        committed = id
        staged = null
        // Off this thread, after the answer: activation talks to the WMPF Service and must not eat commit_ms.
        activator.execute { runCatching { wmpf.activate(id) }.onFailure { Log.e(TAG, "WMPF activation failed", it) } }
        return ok("COMMIT")
    }

    private fun erase(): String {
        if (!allowErase) return err("ERASE", "DENIED", "production_build")
        try { store.erase() } catch (e: IOException) { return err("ERASE", "FLASH", "store_failed") }
        committed = null
        staged = null
        // The WMPF Service keeps its old activation: clear its data before this unit gets another id.
        return ok("ERASE")
    }

    private fun token(): String {
        if (committed == null) return err("TOKEN", "NOTREADY", "not_activated")
        val (token, expire) = runCatching { wmpf.pushToken() }.getOrNull() ?: return err("TOKEN", "NOTREADY", "offline")
        return runCatching { ok("TOKEN", listOf("push_token" to token, "expire" to expire.toString())) }
            .getOrElse { err("TOKEN", "NOTREADY", "bad_token") }
    }

    /** Call from the Client's WMPF push listener with the received `msg`: `EVENT PUSH` to the station, if connected. */
    fun onPush(msg: String) {
        val line = runCatching { Wxp1.encode("EVENT", "PUSH", listOf("msg" to Base64.encodeToString(msg.toByteArray(UTF_8), Base64.NO_WRAP))) }
            .getOrElse { "# push of ${msg.toByteArray(UTF_8).size} bytes does not fit one WXP/1 line: dropped" }
        synchronized(lock) { current?.let { s -> runCatching { send(s, line) } } }
    }

    companion object {
        /** For Application.onCreate: the committed identity, to activate WMPF at every start. */
        fun storedIdentity(context: Context): Identity? = IdentityStore(context.noBackupFilesDir).load()
    }
}

/** How the Client app wires it (start it in the main process only: one process may hold the socket). */
class ClientApp : Application() {
    lateinit var agent: WxpAgent // its onPush(msg) is for the app's WMPF push listener
    override fun onCreate() {
        super.onCreate()
        val wmpf = SdkWmpf(this)
        WxpAgent.storedIdentity(this)?.let { id -> runCatching { wmpf.activate(id) } } // as the WMPF docs ask, in onCreate
        val fw = packageManager.getPackageInfo(packageName, 0).versionName ?: "0"
        agent = WxpAgent(this, wmpf, fw, allowErase = BuildConfig.DEBUG) // BuildConfig: your app's
        agent.start()
    }
}
