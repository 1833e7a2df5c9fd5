package org.lantern.app.platform

import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import org.lantern.app.MainActivity
import org.lantern.app.R

/**
 * The one notification Lantern posts: "new updates from someone you support". It never names
 * the peer and never carries any shared or private text (not even on the lock screen: the
 * public version is the same generic line); the supporter opens the app to read.
 */
object Notifications {
    private const val CHANNEL = "supporter_updates"
    private const val ID = 1

    fun createChannel(context: Context) {
        val channel = NotificationChannel(
            CHANNEL,
            context.getString(R.string.notification_channel),
            NotificationManager.IMPORTANCE_DEFAULT,
        ).apply {
            description = context.getString(R.string.notification_channel_description)
            lockscreenVisibility = android.app.Notification.VISIBILITY_PRIVATE
        }
        context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
    }

    fun newUpdates(context: Context) {
        // Refused (or never asked: updates off): sync still ran, nothing is posted.
        if (!notificationsAllowed(context)) return
        val open = PendingIntent.getActivity(
            context, 0,
            Intent(context, MainActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP),
            PendingIntent.FLAG_IMMUTABLE,
        )
        val generic = NotificationCompat.Builder(context, CHANNEL)
            .setSmallIcon(android.R.drawable.ic_dialog_info)
            .setContentTitle(context.getString(R.string.app_name))
            .setContentText(context.getString(R.string.notification_new_updates))
            .setContentIntent(open)
            .setAutoCancel(true)
        val notification = generic
            .setVisibility(NotificationCompat.VISIBILITY_PRIVATE)
            .setPublicVersion(generic.build())
            .build()
        NotificationManagerCompat.from(context).notify(ID, notification)
    }
}
